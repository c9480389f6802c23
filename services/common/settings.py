"""Configuration from the environment (prefix SWITCHYARD_), documented in .env.example."""

from functools import lru_cache

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "postgresql://switchyard@127.0.0.1:55432/switchyard",
        validation_alias=AliasChoices("SWITCHYARD_DATABASE_URL", "DATABASE_URL"),
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        validation_alias=AliasChoices("SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    kafka_partitions: int = Field(3, ge=1, description="partitions for the job topics")
    topic_prefix: str = Field("", pattern=r"^[A-Za-z0-9._-]*$",
                              description="prepended to every topic name; lets two stacks share one broker")
    # A replicated cluster (services/common/kafka_options.py): topics made with this many replicas, of which this
    # many must have an event before the broker acknowledges it (with acks=all).
    kafka_replication_factor: int = Field(1, ge=1, description="replicas of every topic Switchyard creates")
    kafka_min_insync_replicas: int = Field(1, ge=1, description="min.insync.replicas of every topic it creates")
    kafka_delivery_timeout_ms: int = Field(40000, ge=1000,
                                           description="how long an unacknowledged send waits before it fails")
    kafka_retry_backoff_ms: int = Field(100, ge=1, description="pause before a send or fetch is tried again")
    kafka_metadata_max_age_ms: int = Field(300000, ge=1000,
                                           description="metadata read again at least this often (errors read it at once)")
    kafka_session_timeout_ms: int = Field(10000, ge=1000,
                                          description="a consumer silent this long leaves its group")
    kafka_heartbeat_interval_ms: int = Field(3000, ge=100, description="how often a consumer tells its group it lives")

    # The address the HTTP servers (and /metrics ports) listen on: 0.0.0.0 in a container or on a host of its own.
    listen_host: str = "127.0.0.1"

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Where the services' internal APIs are reached; each service listens on its own URL's port (on listen_host).
    billing_url: str = "http://127.0.0.1:8101"
    notifier_url: str = "http://127.0.0.1:8102"
    scheduler_url: str = "http://127.0.0.1:8103"

    # A call to a job's inference service (POST /v1/jobs/{id}/invoke): the gateway waits for the scheduler, which
    # calls the vendor, this long and a margin more.
    invoke_timeout_s: float = Field(60.0, gt=0, description="how long a call to an inference service may take")

    outbox_poll_s: float = Field(1.0, gt=0, description="relay fallback poll; NOTIFY wakes it sooner")

    log_level: str = "INFO"
    # Off: no /metrics (route or port), no gauges sampled from PostgreSQL and Kafka, no per-request middleware in
    # the gateway; the counters kept in memory still count (they cost a few microseconds a call).
    metrics: bool = Field(True, description="serve Prometheus metrics")
    otel_exporter: str = Field("none", pattern="^(none|console|otlp)$",
                               description="otlp: OTLP over HTTP, set by the standard OTEL_EXPORTER_OTLP_* variables")

    @model_validator(mode="after")
    def _insync_within_replicas(self) -> "Settings":
        if self.kafka_min_insync_replicas > self.kafka_replication_factor:
            raise ValueError(f"SWITCHYARD_KAFKA_MIN_INSYNC_REPLICAS={self.kafka_min_insync_replicas} is more than "
                             f"SWITCHYARD_KAFKA_REPLICATION_FACTOR={self.kafka_replication_factor}")
        if self.kafka_heartbeat_interval_ms >= self.kafka_session_timeout_ms:
            raise ValueError("SWITCHYARD_KAFKA_HEARTBEAT_INTERVAL_MS must be below SWITCHYARD_KAFKA_SESSION_TIMEOUT_MS")
        return self

    def topic(self, name: str) -> str:
        """The Kafka topic that carries the contract topic `name` in this deployment."""
        return self.topic_prefix + name


def comma_separated(cls, value):
    """SWITCHYARD_VENDORS=modelarts,caip reads better than a JSON list in an environment variable."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
