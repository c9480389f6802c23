"""The simulator's FastAPI app: IAM, then every ModelArts path behind the project check of either auth scheme."""

from fastapi import APIRouter, Depends, FastAPI, Request

from services.vendorsim.faults import FaultInjector
from services.vendorsim.modelarts import images, inference, notebooks, training
from services.vendorsim.modelarts.auth import Authenticator, Tokens, iam_router
from services.vendorsim.modelarts.config import ModelArtsSimConfig
from services.vendorsim.modelarts.errors import install_errors
from services.vendorsim.modelarts.slots import Slots


def create_app(config: ModelArtsSimConfig | None = None) -> FastAPI:
    config = config or ModelArtsSimConfig()
    slots = Slots(config.capacity)  # shared: a flavor's slots serve every kind of workload
    faults = FaultInjector(config.fault_seed)
    tokens = Tokens(config)
    authenticator = Authenticator(config, tokens)
    image_registry = images.Images(config)
    jobs = training.TrainingJobs(config, slots)
    instances = notebooks.Notebooks(config, slots, image_registry)
    services = inference.InferenceServices(config, slots)

    app = FastAPI(title="ModelArts simulator")
    install_errors(app, faults)
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
    app.include_router(v2)
    app.include_router(v1)
    app.include_router(notebooks.control_routes(instances, config))
    app.include_router(inference.control_routes(services, config))
    app.include_router(training.control_routes(jobs, config, faults))
    return app
