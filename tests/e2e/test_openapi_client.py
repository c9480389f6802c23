"""A client generated from the running gateway's /openapi.json with a standard generator (datamodel-code-generator's
pydantic models): its JobSpec builds a spec the gateway accepts, for a job and for a quote; its Problem reads the
gateway's error answers."""

import importlib.util
import subprocess
import sys
import uuid

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def models(stack, tmp_path_factory):
    import httpx

    directory = tmp_path_factory.mktemp("generated")
    schema = directory / "openapi.json"
    schema.write_bytes(httpx.get(f"{stack.gateway}/openapi.json", timeout=10).content)
    out = directory / "switchyard_models.py"
    subprocess.run([sys.executable, "-m", "datamodel_code_generator", "--input", str(schema),
                    "--input-file-type", "openapi", "--output-model-type", "pydantic_v2.BaseModel",
                    "--enum-field-as-literal", "all", "--output", str(out)], check=True, capture_output=True, timeout=120)
    spec = importlib.util.spec_from_file_location("switchyard_models", out)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # the models' postponed annotations are resolved in their module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _spec(models):
    return models.JobSpec(kind="training", name=f"generated-{uuid.uuid4().hex[:6]}",
                          image="swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1", command="python train.py",
                          resources=models.Resources(accelerator="ascend-910b", count=1), max_runtime_s=600)


def test_a_job_spec_built_with_the_generated_models_is_accepted(tenant, models):
    body = _spec(models).model_dump(mode="json", exclude_none=True)
    quoted = tenant.post("/v1/quotes", json=body)
    assert quoted.status_code == 200, quoted.text
    assert quoted.json()["items"], "a training job on ascend-910b has a placement"
    submitted = tenant.post("/v1/jobs", json=body)
    assert submitted.status_code == 202, submitted.text
    assert submitted.json()["name"] == body["name"]
    tenant.post(f"/v1/jobs/{submitted.json()['id']}/cancel")


def test_the_generated_job_spec_refuses_what_the_gateway_refuses(models):
    with pytest.raises(ValueError):
        models.JobSpec(kind="training", name="", image="i", resources=models.Resources(accelerator="cpu", count=0))


def test_an_error_answer_reads_as_the_generated_problem(tenant, models):
    answer = tenant.post("/v1/jobs", json={"kind": "training"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = models.Problem.model_validate(answer.json())
    assert (problem.status, problem.type) == (422, "https://switchyard.dev/problems/invalid-job")
    assert problem.model_extra["errors"], "the extra members of a problem are kept"
