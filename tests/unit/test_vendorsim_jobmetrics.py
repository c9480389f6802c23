"""The simulators' job resource use: deterministic from the job and its time into the run, one value per started
minute, a warm-up first minute, and no data for an accelerator the job does not have."""

from services.vendorsim.jobmetrics import METRICS, RunUse, run_metrics

RUN = RunUse(job_id="job-1", accelerator="npu", run_s=600)


def test_nothing_is_measured_before_the_run_starts():
    assert run_metrics(RUN, -1) == {metric: [] for metric in METRICS}


def test_one_value_per_started_minute_up_to_the_end_of_the_run():
    assert [len(run_metrics(RUN, s)["cpu_usage"]) for s in (0, 59, 60, 61, 299)] == [1, 1, 1, 2, 5]
    assert len(run_metrics(RUN, 10_000)["accel_util"]) == 10  # an ended run measures no more
    assert len(run_metrics(RUN, 10_000, stopped_after_s=130)["mem_usage"]) == 3  # nor a stopped one


def test_the_same_job_at_the_same_time_measures_the_same_and_a_minute_once_measured_stays():
    assert run_metrics(RUN, 200) == run_metrics(RunUse(**vars(RUN)), 200)
    early, later = run_metrics(RUN, 100), run_metrics(RUN, 400)
    assert all(later[m][:len(early[m])] == early[m] for m in METRICS)
    assert run_metrics(RUN, 400) != run_metrics(RunUse(**{**vars(RUN), "job_id": "job-2"}), 400)


def test_the_accelerator_is_busy_after_the_warm_up_and_every_value_is_a_percentage():
    use = run_metrics(RUN, 600)
    assert use["accel_util"][0] < 30 and all(70 <= v <= 100 for v in use["accel_util"][1:])
    assert all(0 <= v <= 100 for m in METRICS for v in use[m])


def test_a_job_without_an_accelerator_has_no_accelerator_data():
    use = run_metrics(RunUse(job_id="cpu", accelerator="none", run_s=120), 120)
    assert use["accel_util"] == use["accel_mem_usage"] == [None, None]
    assert all(isinstance(v, float) for v in use["cpu_usage"] + use["mem_usage"])
