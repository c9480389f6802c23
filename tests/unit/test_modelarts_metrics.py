"""ModelArts training job metrics normalized: documented names to Switchyard's series with their unit, the
positional minutes stamped from the job's start, and -1 (no data) left out."""

from datetime import UTC, datetime, timedelta

from services.vendors.modelarts.metrics import normalized_series

START = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def body(**series) -> dict:
    return {"metrics": [{"metric": metric, "value": values} for metric, values in series.items()]}


def test_each_documented_metric_is_a_named_series_in_percent():
    names = normalized_series(body(cpuUsage=[1], memUsage=[2], gpuUtil=[3], gpuMemUsage=[4], npuUtil=[5],
                                   npuMemUsage=[6]), START)
    assert [(s.name, s.unit) for s in names] == [("cpu_usage", "%"), ("mem_usage", "%"), ("gpu_util", "%"),
                                                 ("gpu_mem_usage", "%"), ("npu_util", "%"), ("npu_mem_usage", "%")]


def test_the_ith_value_is_stamped_i_minutes_after_the_start_and_no_data_is_left_out():
    [cpu] = normalized_series(body(cpuUsage=[-1, 40.5, "-1", 38]), START)
    assert cpu.points == [(START + timedelta(minutes=1), 40.5), (START + timedelta(minutes=3), 38.0)]


def test_a_metric_without_data_an_unknown_one_and_a_wrong_value_are_left_out():
    series = normalized_series(body(gpuUtil=[-1, -1], diskUsage=[3.0], npuUtil=[None, "x", True, 71.2]), START)
    assert [(s.name, s.points) for s in series] == [("npu_util", [(START + timedelta(minutes=3), 71.2)])]


def test_an_answer_without_metrics_has_no_series():
    assert normalized_series({}, START) == [] and normalized_series({"metrics": None}, START) == []
