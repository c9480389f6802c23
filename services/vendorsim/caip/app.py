"""The CAIP simulator's HTTP surface: login, then the Compute Server's 27 routes, served both at
`/v2/...` (as the document writes them) and behind the [EXT] gateway prefix `/api/compute/v2/...`."""

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from services.vendorsim.caip.config import CaipSimConfig
from services.vendorsim.caip.errors import FAULT_RESPONSES, CaipError, error_response, invalid, unauthenticated
from services.vendorsim.caip.flavors import Flavors
from services.vendorsim.caip.jobs import Jobs
from services.vendorsim.caip.listing import QueryArgs, rfc3339
from services.vendorsim.caip.volumes import VOLUME_KINDS, Volumes
from services.vendorsim.faults import FaultInjector, install_faults
from services.vendorsim.seeding import SEED_PATH, parse_seed_request, seeded

# [EXT] the platform's gateway: login path and the Compute Server's prefix (digest §1).
LOGIN_PATH = "/api/auth/v3/login/internal"
API_PREFIX = "/api/compute"


class Tokens:
    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._expiry: dict[str, float] = {}

    def issue(self, now: float) -> tuple[str, float]:
        token = secrets.token_hex(32)
        self._expiry[token] = now + self._ttl_s
        return token, self._expiry[token]

    def check(self, token: str | None, now: float) -> None:
        if not token or now >= self._expiry.get(token, float("-inf")):
            raise unauthenticated()

    def expire_all(self, now: float) -> None:
        self._expiry = {token: min(expiry, now) for token, expiry in self._expiry.items()}


def create_app(config: CaipSimConfig | None = None) -> FastAPI:
    config = config or CaipSimConfig()
    clock = config.clock
    user_id = uuid.uuid5(uuid.NAMESPACE_URL, f"caip-sim-user/{config.username}").hex
    tokens = Tokens(config.token_ttl_s)
    flavors = Flavors(config)
    volumes = Volumes(config, user_id)
    jobs = Jobs(config, flavors, volumes, user_id)
    faults = FaultInjector(config.fault_seed)

    app = FastAPI(title="CAIP Compute Server simulator")
    install_faults(app, faults, FAULT_RESPONSES)

    @app.exception_handler(CaipError)
    async def caip_error(_: Request, exc: CaipError) -> JSONResponse:
        return error_response(exc.http_status, exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:  # unknown paths, methods
        return error_response(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}")

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, f"invalid parameter: {exc.errors()}")

    @app.post(LOGIN_PATH)
    async def login(request: Request) -> Response:
        """[EXT] `{"identity", "password"}` -> 201, token in the X-Subject-Token header. [INFER]
        the body: a Keystone-style token record with its expiry."""
        body = await _json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("identity"), str):
            raise invalid("identity and password are required")
        if body.get("identity") != config.username or body.get("password") != config.password:
            return error_response(401, "The username or password is wrong.")
        now = clock()
        token, expires_at = tokens.issue(now)
        record = {
            "issued_at": rfc3339(now),
            "expires_at": rfc3339(expires_at),
            "user": {"id": user_id, "name": config.username},
            "project": {"id": config.namespace},
        }
        return JSONResponse({"token": record}, status_code=201, headers={"X-Subject-Token": token})

    async def authenticate(x_auth_token: str | None = Header(default=None)) -> None:
        tokens.check(x_auth_token, clock())

    async def own_namespace(namespace: str) -> None:
        if namespace != config.namespace:
            raise CaipError(403, f"forbidden: no access to project {namespace}")

    compute = APIRouter(prefix="/v2", dependencies=[Depends(authenticate)])
    project = APIRouter(prefix="/namespace/{namespace}", dependencies=[Depends(own_namespace)])

    # ---- flavors

    @compute.get("/flavor")
    async def list_flavors(request: Request) -> dict[str, Any]:
        now = clock()
        return flavors.listing(QueryArgs(request.query_params), lambda flavor: jobs.holders(flavor, now))

    @compute.post("/flavor", status_code=201)
    async def create_flavor(request: Request) -> dict[str, Any]:
        flavor = flavors.create(await _json_body(request))
        return {"id": flavor.id, "name": flavor.name, "type": "flavor"}

    @compute.put("/flavor/{uid}", status_code=202)
    async def update_flavor(uid: str, request: Request) -> Response:
        flavors.update(uid, await _json_body(request))
        return Response(status_code=202)

    @compute.delete("/flavor/{uid}", status_code=202)
    async def delete_flavor(uid: str) -> Response:
        flavors.delete(uid)
        return Response(status_code=202)

    # ---- batch training jobs

    @project.get("/batch-trainingjob")
    async def list_jobs(namespace: str, request: Request) -> JSONResponse:
        # Plain JSON already: answered as it is, not walked by FastAPI's encoder (most of a big page's cost).
        return JSONResponse(jobs.listing(namespace, QueryArgs(request.query_params), clock()))

    @project.post("/batch-trainingjob", status_code=201)
    async def create_job(namespace: str, request: Request) -> dict[str, Any]:
        job = jobs.create(namespace, await _json_body(request), clock(), faults.is_sold_out)
        # [INFER] `type` of a created training job: `trainingjob` (the enum also holds `job`).
        return {"id": job.uid, "name": job.name, "type": "trainingjob"}

    @project.get("/batch-trainingjob/{uid}")
    async def get_job(namespace: str, uid: str) -> dict[str, Any]:
        now = clock()
        return jobs.view(jobs.get(namespace, uid, now), now)

    @project.put("/batch-trainingjob/{uid}", status_code=202)
    async def update_job(namespace: str, uid: str, request: Request) -> Response:
        jobs.update(namespace, uid, await _json_body(request), clock())
        return Response(status_code=202)

    @project.delete("/batch-trainingjob/{uid}", status_code=202)
    async def delete_job(namespace: str, uid: str) -> Response:
        jobs.delete(namespace, uid, clock())
        return Response(status_code=202)

    # ---- sub-jobs

    @project.get("/trainingjob/{uid}")
    async def get_sub_job(namespace: str, uid: str) -> dict[str, Any]:
        now = clock()
        return jobs.sub_view(jobs.sub_job(namespace, uid, now), now)

    @project.delete("/trainingjob/{uid}", status_code=202)
    async def delete_sub_job(namespace: str, uid: str) -> Response:
        jobs.delete_sub_job(namespace, uid, clock())
        return Response(status_code=202)

    @project.post("/trainingjob/{uid}/stop", status_code=202)
    async def stop_sub_job(namespace: str, uid: str) -> Response:
        jobs.stop_sub_job(namespace, uid, clock())
        return Response(status_code=202)

    # ---- training volumes

    for kind in VOLUME_KINDS:
        _add_volume_routes(project, kind, volumes, clock)

    compute.include_router(project)
    app.include_router(compute)
    app.include_router(compute, prefix=API_PREFIX)

    @app.post("/_sim/tokens/expire", status_code=204)
    async def expire_tokens() -> Response:
        """Simulator control: every token issued so far expires now (tests the renewal path)."""
        tokens.expire_all(clock())
        return Response(status_code=204)

    @app.get("/_sim/jobs")
    async def sim_jobs() -> list[dict[str, Any]]:
        """Simulator control: every job created (id, name, phase), to count the vendor jobs a client made."""
        return jobs.summary(clock())

    @app.post(SEED_PATH)
    async def seed_jobs(request: Request) -> list[dict[str, Any]]:
        """Simulator-only bulk seeding (`seeding.py`), in the one namespace this user may use."""
        seed = parse_seed_request(await _json_body(request))
        now = clock()
        answer = []
        for index, body in enumerate(seed.bodies):
            job = jobs.create(config.namespace, body, now, faults.is_sold_out)  # what the create route runs
            ready_at = jobs.seeded_pending(job, seed.pending(index))
            answer.append(seeded(job.uid, job.name, jobs.phase(job, now), ready_at))
        return answer

    return app


def _add_volume_routes(router: APIRouter, kind: str, volumes: Volumes, clock: Callable[[], float]) -> None:
    @router.get(f"/{kind}", name=f"list_{kind}")
    async def list_volumes(namespace: str, request: Request) -> dict[str, Any]:
        return volumes.listing(kind, namespace, QueryArgs(request.query_params), clock())

    @router.post(f"/{kind}", status_code=201, name=f"create_{kind}")
    async def create_volume(namespace: str, request: Request) -> dict[str, Any]:
        volume = volumes.create(kind, namespace, await _json_body(request), clock())
        return {"id": volume.uid, "name": volume.name, "type": kind}

    @router.get(f"/{kind}/{{uid}}", name=f"get_{kind}")
    async def get_volume(namespace: str, uid: str) -> dict[str, Any]:
        return volumes.view(volumes.get(kind, namespace, uid), clock())

    @router.put(f"/{kind}/{{uid}}", status_code=202, name=f"update_{kind}")
    async def update_volume(namespace: str, uid: str, request: Request) -> Response:
        volumes.update(kind, namespace, uid, await _json_body(request))
        return Response(status_code=202)

    @router.delete(f"/{kind}/{{uid}}", status_code=202, name=f"delete_{kind}")
    async def delete_volume(namespace: str, uid: str) -> Response:
        volumes.delete(kind, namespace, uid)
        return Response(status_code=202)


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise invalid("the body is not valid JSON") from None
