"""Configuration from the environment (prefix SWITCHYARD_), documented in .env.example."""

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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

    admin_token: str = "dev-admin-token"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    billing_url: str = "http://127.0.0.1:8101"
    notifier_url: str = "http://127.0.0.1:8102"

    vendors: Annotated[list[str], NoDecode] = Field(
        ["modelarts", "caip", "qizhi", "aispace"], description="vendors to place on and watch, e.g. modelarts,caip"
    )
    markup: Decimal = Field(Decimal("1.20"), gt=0, description="sell price = vendor price x markup")
    watch_interval_s: float = Field(2.0, gt=0, description="watcher tick; one listing per tick for vendors that list")
    watch_starting_s: float = Field(5.0, gt=0, description="per-job polls: how often a starting job is looked at")
    watch_running_s: float = Field(20.0, gt=0, description="per-job polls: how often a running job is looked at")
    watch_batch: int = Field(500, ge=1, description="per-job polls at most per tick and vendor")
    watch_get_concurrency: int = Field(32, ge=1, description="per-job polls in flight at once per vendor "
                                                            "(adapters with a rate limit apply theirs too)")
    watch_error_budget: int = Field(3, ge=1, description="failed polls in a row that make a vendor outage")
    catalog_refresh_s: float = Field(300.0, gt=0, description="how often the scheduler re-reads every vendor's "
                                                               "flavors and announces what changed")
    resubmit_limit: int = Field(2, ge=0, description="times a job its vendor lost is placed again elsewhere")
    admission_minutes: int = Field(5, ge=0, description="minutes a tenant must be able to pay before a job starts")
    outbox_poll_s: float = Field(1.0, gt=0, description="relay fallback poll; NOTIFY wakes it sooner")

    webhook_allow_private: bool = False
    webhook_timeout_s: float = 15.0

    log_level: str = "INFO"
    otel_exporter: str = Field("none", pattern="^(none|console)$")

    @field_validator("vendors", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        # SWITCHYARD_VENDORS=modelarts,caip reads better than a JSON list in an environment variable.
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    def topic(self, name: str) -> str:
        """The Kafka topic that carries the contract topic `name` in this deployment."""
        return self.topic_prefix + name


@lru_cache
def get_settings() -> Settings:
    return Settings()
