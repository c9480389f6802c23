"""Configuration from the environment (prefix SWITCHYARD_), documented in .env.example."""

from functools import lru_cache

from pydantic import AliasChoices, Field
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

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Where the services' internal APIs listen (127.0.0.1 only); each service listens on its own URL's port.
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
