"""The gateway's OpenAPI documents its error answers (services/gateway/openapi.py) and its job spec bodies."""

from fastapi.testclient import TestClient

from services.gateway.api import create_app

app = create_app()
schema = app.openapi()
OPERATIONS = {(method.upper(), path): op for path, ops in schema["paths"].items() for method, op in ops.items()}


def _statuses(method: str, path: str) -> set[str]:
    return set(OPERATIONS[(method, path)]["responses"])


def test_every_error_answer_is_the_one_problem_schema():
    for (method, path), operation in OPERATIONS.items():
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}, (method, path)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    problem = schema["components"]["schemas"]["Problem"]
    assert problem["additionalProperties"] is True
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance"}


def test_the_statuses_follow_from_how_the_route_is_built():
    assert _statuses("POST", "/v1/jobs") >= {"400", "401", "403", "409", "413", "422", "429"}
    assert "503" not in _statuses("POST", "/v1/jobs")  # answered from the gateway's own tables
    assert "404" not in _statuses("GET", "/v1/jobs")
    assert _statuses("GET", "/v1/jobs/{job_id}") >= {"401", "403", "404", "429"}
    assert _statuses("POST", "/v1/quotes") >= {"413", "422", "503"}
    admin = _statuses("GET", "/v1/admin/tenants")
    assert "401" in admin and "403" not in admin  # the admin token has no tenant to suspend
    assert _statuses("GET", "/healthz") == {"200"}


def test_a_429_documents_its_headers():
    headers = OPERATIONS[("GET", "/v1/jobs")]["responses"]["429"]["headers"]
    assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(headers)


def test_the_job_spec_bodies_are_the_job_spec_schema():
    for path in ("/v1/jobs", "/v1/quotes"):
        content = OPERATIONS[("POST", path)]["requestBody"]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/JobSpec"}
        assert {"training", "notebook", "inference"} <= set(content["examples"])
    job_spec = schema["components"]["schemas"]["JobSpec"]
    assert {"kind", "name", "image", "resources"} <= set(job_spec["required"])
    assert job_spec["properties"]["resources"]["$ref"] == "#/components/schemas/Resources"
    assert job_spec["examples"] and job_spec["properties"]["kind"]["description"]


def test_no_body_is_an_untyped_object():
    for (method, path), operation in OPERATIONS.items():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        assert "$ref" in body or not body, (method, path, body)


def test_a_405_names_every_method_of_the_path():
    answer = TestClient(app).request("OPTIONS", "/v1/jobs")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.headers["content-type"] == "application/problem+json"
