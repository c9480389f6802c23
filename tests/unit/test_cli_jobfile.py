"""Job files: every wrong field is reported with its path and the line of the file it is on (or the option it
came from), before anything is sent; overrides from the command line win over the file."""

import textwrap

import pytest

from switchyard_client.cli.jobfile import JobFileError, Overrides, load_job

GOOD = """\
kind: training
name: resnet50
image: swr.example/demo/pytorch:2.1
command: python train.py
resources:
  accelerator: ascend-910b
  count: 1
env:
  EPOCHS: 3
max_runtime_s: 3600
"""


def write(tmp_path, text: str):
    path = tmp_path / "job.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def problems(path, overrides=Overrides()) -> list[str]:
    with pytest.raises(JobFileError) as caught:
        load_job(path, overrides)
    return caught.value.problems


def test_a_good_file_becomes_the_spec_with_numbers_in_env_as_text(tmp_path):
    spec = load_job(write(tmp_path, GOOD))
    assert spec.resources.count == 1 and spec.env == {"EPOCHS": "3"} and spec.max_runtime_s == 3600
    assert "placement" not in spec.to_api() and spec.to_api()["name"] == "resnet50"


def test_a_wrong_value_names_its_path_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace("count: 1", "count: 65"))
    [problem] = problems(path)
    assert problem.startswith(f"{path}:7: resources.count:")
    assert "less than or equal to 64" in problem


def test_an_unknown_field_names_its_own_line(tmp_path):
    path = write(tmp_path, GOOD + "gpus: 8\n")
    assert problems(path) == [f"{path}:11: gpus: Extra inputs are not permitted"]


def test_a_missing_field_points_at_its_parent(tmp_path):
    path = write(tmp_path, GOOD.replace("  accelerator: ascend-910b\n", ""))
    assert problems(path) == [f"{path}:5: resources.accelerator: Field required"]


def test_a_rule_across_fields_is_reported_for_the_job(tmp_path):
    path = write(tmp_path, GOOD.replace("command: python train.py\n", ""))
    assert problems(path) == [f"{path}:1: (the job): a training job needs a command"]


def test_every_wrong_field_is_listed(tmp_path):
    path = write(tmp_path, GOOD.replace("count: 1", "count: many").replace("kind: training", "kind: batch"))
    found = problems(path)
    assert [p.split(": ")[0:2] for p in found] == [[f"{path}:1", "kind"], [f"{path}:7", "resources.count"]]


def test_a_nested_list_item_has_its_line(tmp_path):
    path = write(tmp_path, GOOD + "placement:\n  vendors:\n    - modelarts\n    - 42\n")
    assert problems(path)[0].startswith(f"{path}:14: placement.vendors.1:")


def test_yaml_that_does_not_parse_names_its_line(tmp_path):
    path = write(tmp_path, GOOD.replace("  count: 1", "  count: [1"))
    [problem] = problems(path)
    assert problem.startswith(f"{path}:8: not YAML")


def test_a_file_that_is_not_a_mapping(tmp_path):
    assert "must be a mapping" in problems(write(tmp_path, "- one\n- two\n"))[0]


def test_overrides_win_and_their_errors_name_the_option(tmp_path):
    path = write(tmp_path, GOOD)
    spec = load_job(path, Overrides(name="other", priority="high", accelerator="nvidia-v100", count=2,
                                    env=("LR=0.1", "EPOCHS=5")))
    assert (spec.name, spec.priority, spec.resources.accelerator, spec.resources.count) == (
        "other", "high", "nvidia-v100", 2)
    assert spec.env == {"EPOCHS": "5", "LR": "0.1"}
    assert problems(path, Overrides(count=99))[0].startswith("from --count: resources.count:")
    assert problems(path, Overrides(env=("NOEQUALS",))) == ["--env 'NOEQUALS': write KEY=VALUE"]


def test_a_missing_file(tmp_path):
    assert "No such file" in problems(tmp_path / "nope.yaml")[0]


def test_every_example_job_file_is_a_valid_job_and_the_api_reads_it_too():
    from pathlib import Path

    from contracts.jobs import JobSpec

    examples = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.yaml"))
    assert examples
    for path in examples:
        spec = load_job(path, Overrides())
        JobSpec.model_validate(spec.to_api())  # the API's own rules (data URIs, one vendor's data) hold too


def test_a_data_uri_of_no_known_scheme_is_reported_on_its_line(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text(textwrap.dedent("""\
        kind: training
        name: n
        image: i
        command: c
        resources: {accelerator: cpu, count: 0, nodes: 2}
        inputs:
          - {name: data, uri: "s3://bucket/x", mount: /data}
    """))
    with pytest.raises(JobFileError) as caught:
        load_job(path, Overrides())
    assert "s3://bucket/x" in str(caught.value) and ":7: inputs.0" in str(caught.value)
