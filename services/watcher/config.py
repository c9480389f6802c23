"""The watcher's own settings, on top of the shared ones (same SWITCHYARD_ prefix, same .env): which
vendors it watches and how it polls them."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from services.common.settings import Settings, comma_separated


class WatcherSettings(Settings):
    vendors: Annotated[list[str], NoDecode] = Field(
        ["modelarts", "caip", "qizhi", "aispace"], description="vendors to watch, e.g. modelarts,caip"
    )
    watch_interval_s: float = Field(2.0, gt=0, description="watcher tick; one listing per tick for vendors that list")
    watch_starting_s: float = Field(5.0, gt=0, description="per-job polls: how often a starting job is looked at")
    watch_running_s: float = Field(20.0, gt=0, description="per-job polls: how often a running job is looked at")
    watch_batch: int = Field(500, ge=1, description="per-job polls at most per tick and vendor")
    watch_get_concurrency: int = Field(32, ge=1, description="per-job polls in flight at once per vendor "
                                                            "(adapters with a rate limit apply theirs too)")
    watch_error_budget: int = Field(3, ge=1, description="failed polls in a row that make a vendor outage")
    watcher_metrics_port: int = Field(9102, ge=1, le=65535, description="Prometheus /metrics, on 127.0.0.1")

    _vendors_list = field_validator("vendors", mode="before")(comma_separated)


@lru_cache
def get_watcher_settings() -> WatcherSettings:
    return WatcherSettings()
