"""Every error is a problem document: an unexpected exception a 500 problem (never plain text), and a problem
quoting the caller's input (a key with a lone surrogate) is still encodable."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from services.common.problems import PROBLEM_JSON, Problem, install_problem_handlers


class Body(BaseModel):
    values: dict[str, int]


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("a bug")

    @app.get("/echo/{word}")
    async def echo(word: str):
        raise Problem(409, "Conflict", f"{word}\ud800 exists", type_="conflict")

    @app.post("/body")
    async def body(body: Body):
        return body

    return app


def test_an_unexpected_exception_is_a_500_problem_document():
    client = TestClient(_app(), raise_server_exceptions=False)
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 500 and body["title"] == "Internal server error" and body["type"].endswith("internal-error")
    assert "a bug" not in response.text


def test_a_problem_quoting_a_lone_surrogate_is_encoded_escaped():
    response = TestClient(_app()).get("/echo/x")
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "x\ud800 exists"


def test_a_validation_error_at_a_key_with_a_lone_surrogate_is_a_422_problem():
    response = TestClient(_app()).post("/body", content=b'{"values": {"\\ud800": "x"}}',
                                       headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Invalid request"
