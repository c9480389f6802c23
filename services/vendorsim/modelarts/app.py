"""The simulator's FastAPI app: IAM, then every ModelArts path behind the project check of either auth scheme;
and where notebooks and services answer (a notebook's `url`, a service's `access_address`)."""

import json

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from services.vendorsim.faults import FaultInjector
from services.vendorsim.modelarts import images, inference, notebooks, training
from services.vendorsim.modelarts.auth import Authenticator, Tokens, iam_router
from services.vendorsim.modelarts.config import ModelArtsSimConfig
from services.vendorsim.modelarts.errors import ModelArtsError, install_errors
from services.vendorsim.modelarts.slots import Slots
from services.vendorsim.public_url import PublicUrl


def create_app(config: ModelArtsSimConfig | None = None) -> FastAPI:
    config = config or ModelArtsSimConfig()
    slots = Slots(config.capacity)  # shared: a flavor's slots serve every kind of workload
    faults = FaultInjector(config.fault_seed)
    tokens = Tokens(config)
    authenticator = Authenticator(config, tokens)
    image_registry = images.Images(config)
    jobs = training.TrainingJobs(config, slots)
    public_url = PublicUrl(config.public_url)
    instances = notebooks.Notebooks(config, slots, image_registry, public_url)
    services = inference.InferenceServices(config, slots, public_url)

    app = FastAPI(title="ModelArts simulator")
    install_errors(app, faults)
    app.add_middleware(public_url.middleware)
    app.include_router(iam_router(config, tokens, authenticator))

    async def authorize(request: Request, project_id: str) -> None:
        await authenticator.authorize(request, project_id, config.clock())

    # [DOC] training is /v2; notebooks, images and services are /v1.
    v2 = APIRouter(prefix="/v2/{project_id}", dependencies=[Depends(authorize)])
    v2.include_router(training.routes(jobs, config, faults))
    v1 = APIRouter(prefix="/v1/{project_id}", dependencies=[Depends(authorize)])
    v1.include_router(notebooks.routes(instances, config, faults))
    v1.include_router(images.routes(image_registry, config))
    v1.include_router(inference.routes(services, config, faults))
    app.include_router(answering(instances, services, authenticator, config))
    app.include_router(v2)
    app.include_router(v1)
    app.include_router(notebooks.control_routes(instances, config))
    app.include_router(inference.control_routes(services, config))
    app.include_router(training.control_routes(jobs, config, faults))
    return app


def answering(instances: notebooks.Notebooks, services: inference.InferenceServices, authenticator: Authenticator,
              config: ModelArtsSimConfig) -> APIRouter:
    """A notebook's page and a service's address (see notebooks.Notebooks.page and inference's docstring)."""
    router = APIRouter()

    @router.get("/{notebook_id}/lab")
    async def notebook_page(notebook_id: str) -> HTMLResponse:
        status, page = instances.page(notebook_id, config.clock())
        return HTMLResponse(page, status_code=status)

    @router.api_route("/v1/infers/{service_id}", methods=["GET", "POST", "PUT"])
    @router.api_route("/v1/infers/{service_id}/{rest:path}", methods=["GET", "POST", "PUT"])
    async def invoke(service_id: str, request: Request, rest: str = "") -> dict:
        now = config.clock()
        if await authenticator.project_of(request, now) != config.project_id:
            raise ModelArtsError(403, "ModelArts.0210", "The project of the credentials does not own the service.")
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise ModelArtsError(400, "ModelArts.3521", "The request body is not JSON.") from None
        return services.invoke(service_id, f"/{rest}", body, now)

    return router
