"""ModelArts training job metrics -> Switchyard's normalized series, as a plain function.

[DOC] `GET .../training-jobs/{id}/metrics/{task_id}` answers `{"metrics": [{"metric", "value": [double, ...]}]}`:
one value per minute (the minute's average, in percent), no timestamps, -1 where there is no data (a GPU metric of
an Ascend job, the first minutes). [INFER] The values are positional from the job's start, one a minute, so the
i-th value is stamped `start_time + i minutes`.
"""

from datetime import datetime, timedelta
from typing import Any

from contracts.job_metrics import SERIES_UNITS, MetricSeries

# [DOC] the metric names of ch. 9.3 -> the normalized ones
NAMES = {
    "cpuUsage": "cpu_usage",
    "memUsage": "mem_usage",
    "gpuUtil": "gpu_util",
    "gpuMemUsage": "gpu_mem_usage",
    "npuUtil": "npu_util",
    "npuMemUsage": "npu_mem_usage",
}
NO_DATA = -1
INTERVAL = timedelta(minutes=1)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number != NO_DATA and number == number else None  # -1 (and NaN): no data


def normalized_series(body: dict[str, Any], started_at: datetime) -> list[MetricSeries]:
    """The series of a metrics answer, in the vendor's order: each documented metric with the minutes that have
    data; a metric without any (e.g. the GPU of an Ascend job) and a name ModelArts does not document are left
    out."""
    series = []
    for item in body.get("metrics") or []:
        if not isinstance(item, dict) or (name := NAMES.get(str(item.get("metric")))) is None:
            continue
        values = item.get("value") if isinstance(item.get("value"), list) else []
        points = [(started_at + i * INTERVAL, number) for i, value in enumerate(values)
                  if (number := _number(value)) is not None]
        if points:
            series.append(MetricSeries(name=name, unit=SERIES_UNITS[name], points=points))
    return series
