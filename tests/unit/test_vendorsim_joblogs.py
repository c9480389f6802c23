"""The simulators' job output: deterministic from the job and its time into the run, a banner, progress, and
an exit line that says how the run ended."""

import re

from services.vendorsim.joblogs import MAX_PROGRESS_LINES, TOTAL_STEPS, RunOutput, run_log

RUN = RunOutput(name="resnet", image="swr.example/demo/pytorch:2.1", command="python train.py", run_s=60,
                failed=False)
PROGRESS = re.compile(r"^step (\d+)/1000 loss (\d+\.\d{3})$")


def test_nothing_is_written_before_the_run_starts():
    assert run_log(RUN, -0.5) == []


def test_the_banner_names_the_image_and_the_command():
    assert run_log(RUN, 0) == ["==> image: swr.example/demo/pytorch:2.1", "==> command: python train.py",
                               f"==> job resnet started ({TOTAL_STEPS} steps)"]


def test_the_same_job_at_the_same_time_writes_the_same_lines():
    assert run_log(RUN, 33.3) == run_log(RunOutput(**vars(RUN)), 33.3)
    assert run_log(RUN, 30) != run_log(RunOutput(**{**vars(RUN), "name": "other"}), 30)  # its own loss noise


def test_progress_lines_grow_with_time_and_the_loss_falls():
    early, later = run_log(RUN, 10), run_log(RUN, 40)
    assert later[:len(early)] == early  # a log only grows
    steps = [PROGRESS.match(line) for line in later[3:]]
    assert all(steps) and len(steps) == 40
    numbers = [int(m.group(1)) for m in steps]
    assert numbers == sorted(numbers) and numbers[-1] == round(TOTAL_STEPS * 40 / 60)
    assert float(steps[0].group(2)) > float(steps[-1].group(2))


def test_a_successful_run_ends_with_exit_status_0():
    lines = run_log(RUN, 61)
    assert lines[-2:] == [f"training finished: {TOTAL_STEPS}/{TOTAL_STEPS} steps", "exit status 0"]
    assert run_log(RUN, 600) == lines  # nothing is written after the end


def test_a_failed_run_ends_with_an_error_and_a_non_zero_status():
    lines = run_log(RunOutput(**{**vars(RUN), "failed": True}), 60)
    assert lines[-1] == "exit status 1"
    assert any(line.startswith("RuntimeError: ") for line in lines)
    assert not any("exit status" in line for line in run_log(RunOutput(**{**vars(RUN), "failed": True}), 59))


def test_a_stopped_run_ends_early_with_sigterms_status():
    lines = run_log(RUN, 30, stopped_after_s=20)
    assert lines[-2:] == ["received SIGTERM: stopping", "exit status 143"]
    assert len([line for line in lines if PROGRESS.match(line)]) == 20


def test_a_long_run_reports_less_often():
    long_run = RunOutput(**{**vars(RUN), "run_s": 36_000})
    assert len([line for line in run_log(long_run, 36_000) if PROGRESS.match(line)]) == MAX_PROGRESS_LINES
