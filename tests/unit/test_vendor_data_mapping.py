"""How each adapter writes a job's nodes and data onto its vendor's own fields (request bodies, no I/O)."""

import json

import pytest

from contracts.data import DataMount
from services.vendors import InvalidRequest
from services.vendors.aispace import wire as aispace
from services.vendors.aispace.settings import AISpaceSettings
from services.vendors.base import SubmitRequest
from services.vendors.caip import wire as caip
from services.vendors.caip.settings import CaipSettings
from services.vendors.data import job_env
from services.vendors.modelarts import wire as modelarts
from services.vendors.qizhi import wire as qizhi
from services.vendors.qizhi.settings import QizhiSettings

FETCHED = DataMount(name="vocab", uri="https://example.com/v.txt", mount="/data/vocab")


def req(*, inputs=(), outputs=(), node_count=2, task=None) -> SubmitRequest:
    return SubmitRequest(name="sy-1", kind="training", image="img", command="python t.py", env={"A": "1"},
                         flavor_id="f", node_count=node_count, inputs=tuple(inputs), outputs=tuple(outputs), task=task)


def mount(uri, name="data", path="/data/in"):
    return DataMount(name=name, uri=uri, mount=path)


def test_https_inputs_join_the_jobs_env_and_nothing_else_does():
    env = job_env(req(inputs=[FETCHED, mount("obs://bkt/x")]))
    assert env == {"A": "1", "SWITCHYARD_INPUT_VOCAB_URL": FETCHED.uri, "SWITCHYARD_INPUT_VOCAB_DIR": "/data/vocab"}


def test_modelarts_nodes_and_obs_channels():
    body = modelarts.training_body(req(inputs=[mount("obs://bucket/imagenet/"), FETCHED],
                                       outputs=[mount("obs://bucket/out", name="ckpt", path="/data/out")]))
    assert body["spec"]["resource"]["node_count"] == 2
    assert body["algorithm"]["inputs"] == [{"name": "data", "local_dir": "/data/in",
                                            "remote": {"obs": {"obs_url": "/bucket/imagenet/"}}}]
    assert body["algorithm"]["outputs"] == [{"name": "ckpt", "local_dir": "/data/out",
                                             "remote": {"obs": {"obs_url": "/bucket/out"}}}]
    assert body["algorithm"]["environments"]["SWITCHYARD_INPUT_VOCAB_URL"] == FETCHED.uri


def test_modelarts_without_data_sends_no_channels():
    body = modelarts.training_body(req(node_count=1))
    assert "inputs" not in body["algorithm"] and "outputs" not in body["algorithm"]


def test_modelarts_log_lines_are_marked_with_their_task_once():
    assert modelarts.task_line("worker-1", "step 1") == "[worker-1] step 1"
    assert modelarts.task_line("worker-1", "[worker-1] step 1") == "[worker-1] step 1"


def test_caip_workers_and_volumes():
    body = caip.job_body(req(inputs=[mount("caip-volume://ds-1")],
                             outputs=[mount("caip-volume://model-1", name="out", path="/out")]), CaipSettings())
    assert body["spec"]["workerCount"] == 2 and body["communType"] != "standalone"
    assert body["spec"]["sampleVolumes"] == [{"id": "ds-1", "readOnly": True, "source": "private"}]
    assert body["spec"]["modelVolumes"] == [{"id": "model-1", "readOnly": False, "source": "private"}]


def test_qizhi_instances_and_datasets():
    body = qizhi.create_body(req(inputs=[mount("qizhi-dataset://ds@v2/sub/dir"), mount("qizhi-dataset://d2", "b", "/b")]),
                             QizhiSettings(), "lcg-1")
    assert body["framework_config"][0]["instance_count"] == 2
    assert body["dataset_info"] == [{"dataset_id": "ds", "version_id": "v2", "path": "sub/dir"},
                                    {"dataset_id": "d2", "version_id": "", "path": ""}]


def test_aispace_llm_tasks_name_their_datasets_and_workers():
    settings = AISpaceSettings()
    body = aispace.llm_task(req(inputs=[mount("aispace-dataset://142"), mount("aispace-storage://AIDP-s", "s", "/s")],
                                node_count=1, task="sft"), 7, "sy-1", settings)
    assert json.loads(body["dataset_ids"]) == [142] and body["workers"] == 1
    without = aispace.llm_task(req(node_count=1, task="sft"), 7, "sy-1", settings)
    assert json.loads(without["dataset_ids"]) == settings.llm_dataset_ids


@pytest.mark.parametrize("build", [
    lambda r: modelarts.training_body(r),
    lambda r: caip.job_body(r, CaipSettings()),
    lambda r: qizhi.create_body(r, QizhiSettings(), "lcg-1"),
])
def test_data_on_another_vendor_is_refused_by_every_adapter(build):
    with pytest.raises(InvalidRequest, match="aispace-dataset://1"):
        build(req(inputs=[mount("aispace-dataset://1")]))
