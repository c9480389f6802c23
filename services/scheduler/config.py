"""The scheduler's own settings, on top of the shared ones (same SWITCHYARD_ prefix, same .env)."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from services.common.settings import Settings, comma_separated


class SchedulerSettings(Settings):
    vendors: Annotated[list[str], NoDecode] = Field(
        ["modelarts", "caip", "qizhi", "aispace"], description="vendors to place on, e.g. modelarts,caip")
    catalog_refresh_s: float = Field(300.0, gt=0, description="how often the scheduler re-reads every vendor's "
                                                               "flavors and announces what changed")
    resubmit_limit: int = Field(2, ge=0, description="times a job its vendor lost is placed again elsewhere")
    admission_minutes: int = Field(5, ge=0, description="minutes a tenant must be able to pay before a job starts")
    scheduler_metrics_port: int = Field(9101, ge=1, le=65535, description="Prometheus /metrics, on 127.0.0.1")

    _vendors_list = field_validator("vendors", mode="before")(comma_separated)


@lru_cache
def get_scheduler_settings() -> SchedulerSettings:
    return SchedulerSettings()
