"""A job spec is bounded in size: each env entry and the whole spec, so its JobRequested fits in one Kafka message."""

import pytest

from contracts.jobs import MAX_ENV_NAME, MAX_ENV_VALUE, MAX_SPEC_BYTES, JobSpec


def spec(**env_and_more) -> dict:
    return {"kind": "training", "name": "n", "image": "i", "command": "c",
            "resources": {"accelerator": "cpu", "count": 0}, **env_and_more}


def test_env_names_and_values_are_bounded():
    JobSpec.model_validate(spec(env={"A" * MAX_ENV_NAME: "v" * MAX_ENV_VALUE}))
    with pytest.raises(ValueError):
        JobSpec.model_validate(spec(env={"A" * (MAX_ENV_NAME + 1): "v"}))
    with pytest.raises(ValueError):
        JobSpec.model_validate(spec(env={"A": "v" * (MAX_ENV_VALUE + 1)}))
    with pytest.raises(ValueError):
        JobSpec.model_validate(spec(env={"": "v"}))


def test_the_whole_spec_is_bounded_even_when_every_field_is():
    env = {f"K{i:03d}" + "k" * 100: "v" * MAX_ENV_VALUE for i in range(40)}  # each entry fits; together 160 KiB
    with pytest.raises(ValueError, match="more than"):
        JobSpec.model_validate(spec(env=env))
    assert MAX_SPEC_BYTES < 1024 * 1024
