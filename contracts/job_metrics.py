"""A job's resource use on its vendor, normalized: named series of timed values, the same for every vendor that
documents job metrics. The scheduler's adapters make it, its internal API answers it, and the gateway's
`GET /v1/jobs/{id}/metrics` returns it as it is."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# The names a series may have, with their unit (every vendor's metrics are mapped onto these).
SERIES_UNITS = {
    "cpu_usage": "%",
    "mem_usage": "%",
    "gpu_util": "%",
    "gpu_mem_usage": "%",
    "npu_util": "%",
    "npu_mem_usage": "%",
}


class MetricSeries(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="cpu_usage, mem_usage, gpu_util, gpu_mem_usage, npu_util or npu_mem_usage",
                      examples=["npu_util"])
    unit: str = Field(description="the values' unit: % (of the job's share of the resource)", examples=["%"])
    points: list[tuple[datetime, float]] = Field(
        description="[time, value] pairs, oldest first; a time is when the vendor's averaging interval began "
                    "(ModelArts: one per minute from the job's start)",
        examples=[[["2026-12-02T06:00:00Z", 12.5], ["2026-12-02T06:01:00Z", 86.1]]])


class JobMetrics(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    series: list[MetricSeries] = Field(description="one per metric the vendor measured for the job (none before "
                                                   "it started)")
