"""The Qizhi simulator's strict request decoding, as the platform's Go server does it."""

import pytest

from services.vendorsim.qizhi.decoding import JOB_REQUEST, TOKEN_REQUEST, DecodeError, decode


def test_known_fields_decode_and_nulls_are_absent() -> None:
    body = {
        "name": "sy-1",
        "task_priority": 4,
        "tb_summary_path": None,
        "envs": [{"name": "A", "value": "1"}, None],
        "framework_config": [{"spec_id": "s", "image": "i", "instance_count": 2, "shm_gi": 1.5}],
    }
    assert decode(body, JOB_REQUEST) == {
        "name": "sy-1",
        "task_priority": 4,
        "envs": [{"name": "A", "value": "1"}],
        "framework_config": [{"spec_id": "s", "image": "i", "instance_count": 2, "shm_gi": 1.5}],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"extra": 1}, 'json: unknown field "extra"'),
        ({"framework_config": [{"cpu": 8}]}, 'json: unknown field "cpu"'),
        ({"name": 7}, "json: cannot unmarshal number into Go struct field train.JobOpenapi.name of type string"),
        ({"task_priority": True}, "cannot unmarshal bool into Go struct field train.JobOpenapi.task_priority of type int"),
        ({"task_priority": 4.0}, "of type int"),
        ({"auto_fault_tolerance": "yes"}, "of type bool"),
        ({"envs": {"A": "1"}}, "cannot unmarshal object into Go struct field train.JobOpenapi.envs of type []train.Env"),
        ({"framework_config": [{"shm_gi": "8"}]}, "train.JobOpenapi.framework_config.shm_gi of type float64"),
        ([], "cannot unmarshal array into Go value of type train.JobOpenapi"),
    ],
)
def test_unknown_fields_and_wrong_types_are_refused(body: object, message: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(body, JOB_REQUEST)
    assert message in str(caught.value)


def test_token_request() -> None:
    assert decode({"username": "u", "password": "p"}, TOKEN_REQUEST) == {"username": "u", "password": "p"}
    with pytest.raises(DecodeError):
        decode({"username": "u", "password": "p", "otp": "1"}, TOKEN_REQUEST)
