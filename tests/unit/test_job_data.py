"""A job's nodes, inputs and outputs: what the spec accepts, what it refuses, and which vendor holds the data."""

import pytest
from pydantic import ValidationError

from contracts.data import parse_uri
from contracts.jobs import JobSpec


def spec(**extra) -> dict:
    return {"kind": "training", "name": "n", "image": "i", "command": "c",
            "resources": {"accelerator": "ascend-910b", "count": 1}, **extra}


@pytest.mark.parametrize("uri, vendor, id_, path, version", [
    ("obs://my-bucket/imagenet/train/", "modelarts", "my-bucket", "imagenet/train/", None),
    ("obs://my-bucket", "modelarts", "my-bucket", "", None),
    ("caip-volume://0d9a7f3c-1", "caip", "0d9a7f3c-1", "", None),
    ("qizhi-dataset://ds-1@v2/train", "qizhi", "ds-1", "train", "v2"),
    ("qizhi-dataset://ds-1", "qizhi", "ds-1", "", None),
    ("aispace-dataset://115", "aispace", "115", "", None),
    ("aispace-storage://AIDP-dc81", "aispace", "AIDP-dc81", "", None),
    ("https://example.com/data.tar", None, "https://example.com/data.tar", "", None),
])
def test_each_vendor_names_its_data_in_its_own_terms(uri, vendor, id_, path, version):
    location = parse_uri(uri)
    assert (location.vendor, location.id, location.path, location.version) == (vendor, id_, path, version)


@pytest.mark.parametrize("uri", ["s3://bucket/x", "obs://", "http://example.com/x", "aispace-dataset://abc",
                                 "caip-volume://", "ftp://host/x", "/local/path"])
def test_any_other_uri_is_refused(uri):
    with pytest.raises(ValueError):
        parse_uri(uri)


def test_nodes_default_to_one_and_old_specs_still_read():
    assert JobSpec.model_validate(spec()).resources.nodes == 1
    assert JobSpec.model_validate(spec()).inputs == []


@pytest.mark.parametrize("nodes", [0, 65])
def test_nodes_are_bounded(nodes):
    with pytest.raises(ValidationError):
        JobSpec.model_validate(spec(resources={"accelerator": "cpu", "count": 0, "nodes": nodes}))


def test_nodes_are_for_training_only():
    with pytest.raises(ValidationError, match="training jobs only"):
        JobSpec.model_validate({**spec(kind="notebook"), "command": None,
                                "resources": {"accelerator": "cpu", "count": 0, "nodes": 2}})


def test_data_on_two_vendors_is_refused():
    with pytest.raises(ValidationError, match="modelarts and caip|caip and modelarts"):
        JobSpec.model_validate(spec(inputs=[{"name": "a", "uri": "obs://bucket/a", "mount": "/a"}],
                                    outputs=[{"name": "b", "uri": "caip-volume://v1", "mount": "/b"}]))


@pytest.mark.parametrize("uri", ["https://example.com/out", "qizhi-dataset://ds", "aispace-dataset://1"])
def test_an_output_must_be_writable_vendor_storage(uri):
    with pytest.raises(ValidationError, match="an output is written"):
        JobSpec.model_validate(spec(outputs=[{"name": "out", "uri": uri, "mount": "/out"}]))


@pytest.mark.parametrize("mounts", [
    [{"name": "a", "uri": "obs://bucket/a", "mount": "/a"}, {"name": "a", "uri": "obs://bucket/b", "mount": "/b"}],
    [{"name": "a", "uri": "obs://bucket/a", "mount": "/a"}, {"name": "b", "uri": "obs://bucket/b", "mount": "/a"}],
    [{"name": "a", "uri": "obs://bucket/a", "mount": "relative"}],
    [{"name": "a", "uri": "obs://bucket/a", "mount": "/x/../etc"}],
    [{"name": "1a", "uri": "obs://bucket/a", "mount": "/a"}],
    [{"name": "a", "uri": "obs://bucket/a", "mount": "/a", "extra": 1}],
])
def test_names_and_mounts_are_unique_absolute_and_well_formed(mounts):
    with pytest.raises(ValidationError):
        JobSpec.model_validate(spec(inputs=mounts))


def test_the_data_vendor_is_the_one_holding_vendor_data():
    job = JobSpec.model_validate(spec(inputs=[{"name": "a", "uri": "https://example.com/a", "mount": "/a"},
                                              {"name": "b", "uri": "obs://bucket/b", "mount": "/b"}]))
    assert job.data_vendor == "modelarts"
    assert JobSpec.model_validate(spec()).data_vendor is None
