"""The HTTP surface: every documented path (and the aliases the examples use), each answering in its envelope.

Paths marked [INFER] are not in the document; they are the reads a client needs to follow notebooks, services,
training jobs, containers and evaluations, shaped as upstream Cube Studio's ModelView show/list.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.vendorsim.aispace import auth, fields, images, notebooks, serving
from services.vendorsim.aispace.config import AISpaceSimConfig
from services.vendorsim.aispace.datasets import Datasets
from services.vendorsim.aispace.evaluations import Evaluations
from services.vendorsim.aispace.images import Images
from services.vendorsim.aispace.notebooks import Notebooks
from services.vendorsim.aispace.paging import cube_page, gateway_page, leading_equal, parse_form_data
from services.vendorsim.aispace.resources import Resources
from services.vendorsim.aispace.serving import Services
from services.vendorsim.aispace.tasks import Tasks
from services.vendorsim.aispace.wire import (
    FAULT_RESPONSES,
    AISpaceError,
    Code,
    Envelope,
    cube,
    error_response,
    invalid,
    ok_a,
    ok_b,
    request_id,
)
from services.vendorsim.faults import FaultInjector, install_faults
from services.vendorsim.seeding import SEED_PATH, parse_seed_request, seeded

V1 = "/api/aidp/v1"
ALPHA = "/api/aidp/alpha"


@dataclass(frozen=True)
class Call:
    path: dict[str, str]
    query: dict[str, str]
    body: Any
    now: float
    base_url: str  # where this simulator's notebooks and services are reached


Handler = Callable[[Call], Awaitable[Any]]
RegionQuery = bool | Callable[[dict[str, str]], bool]


def _llm_task(path: dict[str, str]) -> bool:
    """7.2-7.4 and 7.7 mark requestInfo required for the LLM types; section 11 (`slm`) sends none."""
    return path.get("t") != "slm"


class Account:
    """Everything one AI Space account holds."""

    def __init__(self, config: AISpaceSimConfig) -> None:
        now = config.clock()
        self.resources = Resources(config)
        self.resources.create_project(config.project_name, "Switchyard workloads", now)
        for start in config.packages:
            self.resources.add_starting_package(start, now)
        self.notebooks = Notebooks(config, self.resources)
        self.services = Services(config, self.resources)
        self.tasks = Tasks(config, self.resources)
        self.evaluations = Evaluations(config, self.resources)
        self.images = Images(self.resources, config.user_name)
        self.datasets = Datasets(self.resources, config.user_name)


def create_app(config: AISpaceSimConfig | None = None) -> FastAPI:
    config = config or AISpaceSimConfig()
    account = Account(config)
    faults = FaultInjector(config.fault_seed)
    app = FastAPI(title="CECSTACK AI Space simulator")
    install_faults(app, faults, FAULT_RESPONSES)

    def public_url(request: Request) -> str:
        """Where this simulator's notebooks and services are reached: the setting, else this request's base."""
        return (config.public_url or str(request.base_url)).rstrip("/")

    @app.exception_handler(StarletteHTTPException)
    async def unknown_path(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = f"no API {request.method} {request.url.path}"
        return error_response(AISpaceError(Code.API_NOT_FOUND, message), Envelope.A)

    def route(methods: list[str], paths: list[str], envelope: Envelope,
              region_query: RegionQuery = False) -> Callable[[Handler], Handler]:
        """`region_query`: the document marks `requestInfo` required on this call (for path parameters that make it
        so, when a predicate)."""
        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> JSONResponse:
                now = config.clock()
                raw = await request.body()
                headers = {name.lower(): value for name, value in request.headers.items()}
                query = request.query_params.multi_items()
                try:
                    auth.check_request(
                        config,
                        method=request.method,
                        path=request.url.path,
                        query=query,
                        headers=headers,
                        body=raw,
                        now=now,
                    )
                    wants_region = region_query(request.path_params) if callable(region_query) else region_query
                    if wants_region and not dict(query).get("requestInfo"):
                        raise invalid("query parameter requestInfo is required")
                except AISpaceError as exc:
                    return error_response(exc, Envelope.A)  # the gateway answers these
                try:
                    call = Call(dict(request.path_params), dict(query), _json(raw), now, public_url(request))
                    account.resources.advance(now)
                    return JSONResponse(await handler(call))
                except AISpaceError as exc:
                    return error_response(exc, envelope)

            for path in paths:
                app.add_api_route(path, endpoint, methods=methods, name=handler.__name__)
            return handler

        return register

    sold_out = faults.is_sold_out
    nbs, svcs, tasks, evals, res = (
        account.notebooks,
        account.services,
        account.tasks,
        account.evaluations,
        account.resources,
    )
    imgs, sets = account.images, account.datasets

    # ------------------------------------------------------------------ notebooks (section 2)

    @route(["POST"], _slashed(f"{V1}/notebook_modelview", f"{V1}/notebook"), Envelope.A)
    async def create_notebook(call: Call) -> Any:
        return ok_a(cube(nbs.created_view(nbs.create(call.body, call.now, sold_out, call.base_url))))

    @route(["PUT"], [f"{V1}/notebook_modelview/api/{{id}}", f"{V1}/notebook/api/{{id}}"], Envelope.A)
    async def edit_notebook(call: Call) -> Any:
        return ok_a(cube(nbs.created_view(nbs.edit(call.path["id"], call.body, call.now, sold_out, call.base_url))))

    @route(["GET"], [f"{V1}/resource/stopInstance"], Envelope.A)
    async def stop_notebook(call: Call) -> Any:
        nbs.stop(_required(call.query, "instanceId"), call.now)
        return ok_a(True)

    reset_paths = [f"{ALPHA}/notebook_modelview/api/reset/restful/{{id}}", f"{ALPHA}/notebook/api/reset/restful/{{id}}"]

    @route(["GET"], reset_paths, Envelope.A)
    async def reset_notebook(call: Call) -> Any:
        nbs.reset(call.path["id"], call.now)
        return ok_a(notebooks.RESET_PATH)

    @route(["GET"], [f"{ALPHA}/notebook_modelview/api/{{id}}", f"{ALPHA}/notebook/api/{{id}}"], Envelope.B)
    async def show_notebook(call: Call) -> Any:  # [INFER]
        return ok_b(nbs.view(nbs.get(call.path["id"]), call.now))

    @route(["GET"], _slashed(f"{ALPHA}/notebook_modelview/api", f"{ALPHA}/notebook/api"), Envelope.B)
    async def list_notebooks(call: Call) -> Any:  # [INFER]
        rows = [nbs.view(nb, call.now) for nb in nbs.all()]
        return ok_b(cube_page(rows, parse_form_data(call.query.get("form_data"), call.body)))

    # ------------------------------------------------------------------ online services (section 3)

    @route(["POST"], _slashed(f"{V1}/inferenceservice_modelview/api"), Envelope.A)
    async def create_service(call: Call) -> Any:
        svcs.create(call.body, call.now, sold_out, call.base_url)
        return ok_a({})  # [DOC] no id

    @route(["PUT"], [f"{V1}/inferenceservice_modelview/api/{{id}}"], Envelope.A)
    async def edit_service(call: Call) -> Any:
        service = svcs.edit(call.path["id"], call.body, call.now, sold_out)
        return ok_a(cube(svcs.view(service, call.now)))

    @route(["GET"], [f"{ALPHA}/inferenceservice_modelview/deploy/prod/restful/{{id}}"], Envelope.A)
    async def deploy_service(call: Call) -> Any:
        svcs.deploy_prod(call.path["id"], call.now)
        return {"requestId": request_id(), "code": "Success", "data": serving.PROD_PATH, "message": "Success"}

    @route(["GET"], [f"{ALPHA}/inferenceservice_modelview/clear/restful/{{id}}"], Envelope.A)
    async def clear_service(call: Call) -> Any:
        svcs.clear(call.path["id"], call.now)
        return {"requestId": request_id(), "code": "Success", "data": serving.CLEAR_PATH, "message": "Success"}

    @route(["GET"], [f"{ALPHA}/inferenceservice_modelview/deploy/debug/restful/{{id}}"], Envelope.A, True)
    async def debug_service(call: Call) -> Any:
        data, message = svcs.debug(call.path["id"], call.now)
        return {"code": "Success", "data": data, "message": message}  # [DOC] A without requestId

    @route(["GET"], [f"{ALPHA}/inferenceservice_modelview/api/{{id}}"], Envelope.B)
    async def show_service(call: Call) -> Any:  # [INFER]
        return ok_b(svcs.view(svcs.get(call.path["id"]), call.now))

    @route(["GET"], _slashed(f"{ALPHA}/inferenceservice_modelview/api"), Envelope.B)
    async def list_services(call: Call) -> Any:  # [INFER]
        rows = [svcs.view(service, call.now) for service in svcs.all()]
        form = parse_form_data(call.query.get("form_data"), call.body)
        return ok_b(cube_page(rows, form, aliases={"service_name": "name"}))

    # ------------------------------------------------------------------ LLM tasks and training jobs (7, 11)

    task_bases = [f"{ALPHA}/maas_task_modelview/{{t}}/api", f"{ALPHA}/maas_task/{{t}}/api"]

    @route(["POST"], _slashed(*task_bases), Envelope.A, _llm_task)
    async def create_task(call: Call) -> Any:
        task = tasks.create(call.path["t"], call.body, call.now, sold_out)
        return ok_a(cube(tasks.view(task, call.now, nested=False, json_text=False, str_related=False)))

    @route(["PUT"], [f"{base}/{{id}}" for base in task_bases], Envelope.A, _llm_task)
    async def edit_task(call: Call) -> Any:
        task = tasks.edit(call.path["t"], call.path["id"], call.body, call.now, sold_out)
        return ok_a(cube(tasks.view(task, call.now, nested=False, json_text=True, str_related=False)))

    @route(["GET"], [f"{base}/{{id}}" for base in task_bases], Envelope.B, _llm_task)
    async def show_task(call: Call) -> Any:  # [DOC] for pt/sft/dpo/rw/ppo, [INFER] for slm
        task = tasks.get(call.path["t"], call.path["id"])
        return ok_b(tasks.view(task, call.now, nested=True, json_text=False))

    @route(["GET"], _slashed(*task_bases), Envelope.B)
    async def list_tasks(call: Call) -> Any:  # [DOC] for pt/sft/dpo/rw/ppo, [INFER] for slm
        form = parse_form_data(call.query.get("form_data"), call.body)
        listed = tasks.all(call.path["t"])
        if (name := leading_equal(form, "name")) is not None:  # every submit looks its name up first
            listed = [task for task in listed if task.name == name]
        rows = [
            tasks.view(task, call.now, nested=False, json_text=True, str_related=form.str_related)
            for task in listed
        ]
        # `maas` filters by the container (rel_o_m with its id), whatever str_related renders.
        for row in rows:
            row["_maas_id"] = row["maas_id"]
        page = cube_page(rows, form, aliases={"maas": "_maas_id"})
        for row in page["data"]:
            del row["_maas_id"]
        return ok_b(page)

    @route(["GET"], [f"{base}/maas_run/{{id}}" for base in task_bases], Envelope.B)
    async def run_task(call: Call) -> Any:
        tasks.run(call.path["t"], call.path["id"], call.now)
        return ok_b({})

    @route(["GET"], [f"{base}/stop/{{id}}" for base in task_bases], Envelope.B, _llm_task)
    async def stop_task(call: Call) -> Any:
        tasks.stop(call.path["t"], call.path["id"], call.now)
        return ok_b({})

    container_base = f"{ALPHA}/maas_modelview/{{t}}/api"

    @route(["POST"], _slashed(container_base), Envelope.B)
    async def create_container(call: Call) -> Any:
        container = tasks.create_container(call.path["t"], call.body, call.now)
        return ok_b(
            {
                "describe": container.describe,
                "id": container.id,
                "name": container.name,
                "project": container.project_id,
            }
        )

    @route(["DELETE"], [f"{container_base}/{{id}}"], Envelope.B)
    async def delete_container(call: Call) -> Any:
        return ok_b(tasks.container_view(tasks.delete_container(call.path["t"], call.path["id"], call.now)))

    @route(["GET"], _slashed(container_base), Envelope.B)
    async def list_containers(call: Call) -> Any:  # [INFER]
        rows = [tasks.container_view(container) for container in tasks.containers(call.path["t"])]
        return ok_b(cube_page(rows, parse_form_data(call.query.get("form_data"), call.body)))

    # ------------------------------------------------------------------ evaluations (7.9-7.14)

    eval_bases = [f"{ALPHA}/maas_evaluation_modelview/api/evaluation", f"{ALPHA}/maas_evaluation/api/evaluation"]

    @route(["POST", "PUT"], [f"{base}/save" for base in eval_bases], Envelope.A, True)
    async def save_evaluation(call: Call) -> Any:
        evals.save(call.body, call.now)
        return ok_a(cube({}))  # [DOC] no id

    @route(["POST", "GET"], [f"{base}/start" for base in eval_bases], Envelope.B, True)
    async def start_evaluation(call: Call) -> Any:
        evals.start(call.body, call.now)
        return ok_b({})

    @route(["GET", "POST"], [f"{base}/stop" for base in eval_bases], Envelope.B, True)
    async def stop_evaluation(call: Call) -> Any:
        evals.stop(call.body, call.now)
        return ok_b({})

    @route(["GET", "POST"], [f"{base}/delete" for base in eval_bases], Envelope.A, True)
    async def delete_evaluations(call: Call) -> Any:
        return ok_a(evals.delete(call.body))

    @route(["GET", "POST"], [f"{base}/detail" for base in eval_bases], Envelope.B, True)
    async def evaluation_detail(call: Call) -> Any:
        body = call.body if isinstance(call.body, dict) and call.body else call.query
        return ok_b(evals.view(evals.get(fields.first(body, "id")), call.now))

    eval_lists = [f"{ALPHA}/maas_evaluation_modelview/api", f"{ALPHA}/maas_evaluation/api"]

    @route(["GET"], _slashed(*eval_lists), Envelope.B)
    async def list_evaluations(call: Call) -> Any:  # [INFER]
        rows = [evals.view(evaluation, call.now) for evaluation in evals.all()]
        return ok_b(cube_page(rows, parse_form_data(call.query.get("form_data"), call.body)))

    # ------------------------------------------------------------------ the shared delete (2.6, 3.7, 7.8, 8.3, 11.6)
    # 7.8 sends requestInfo with it, the other four sections do not: it is not required here.

    @route(["DELETE"], [f"{V1}/deleteInstance"], Envelope.A)
    async def delete_instance(call: Call) -> Any:
        # The tables call id/type body parameters; every example sends them in the query string.
        source = call.query if "id" in call.query else (call.body if isinstance(call.body, dict) else {})
        instance_id, kind = _required(source, "id"), str(_required(source, "type"))
        if kind == "1":
            nbs.delete(instance_id, call.now)
            return ok_a(cube({}))
        if kind == "3":
            return ok_a(cube(svcs.view(svcs.delete(instance_id, call.now), call.now)))
        if kind == "4":
            return ok_a(cube(imgs.delete_build(instance_id, call.now)))
        if kind == "5":
            task = tasks.delete(instance_id, call.now)
            return ok_a(cube(tasks.view(task, call.now, nested=False, json_text=True, str_related=False)))
        raise invalid(f"type {kind} is not one of 1 (notebook), 3 (service), 4 (image build), 5 (task)")

    # ------------------------------------------------------------------ images (section 8)

    @route(["POST"], _slashed(f"{V1}/docker_modelview/api"), Envelope.A)
    async def build_image(call: Call) -> Any:
        return ok_a(cube(imgs.build_view(imgs.build(call.body, call.now))))

    @route(["GET"], _slashed(f"{ALPHA}/images_modelview/api"), Envelope.B)
    async def list_images(call: Call) -> Any:
        form = parse_form_data(call.query.get("form_data"), call.body)
        return ok_b(cube_page(imgs.rows(), form) | images.LIST_META)

    @route(["POST"], [f"{V1}/images/preUpload"], Envelope.A)
    async def pre_upload_image(call: Call) -> Any:
        return ok_a(imgs.pre_upload(call.body))

    # The 8.6 URL format adds "/library" (the example's project name) before /push; the example has none.
    push_paths = [f"{V1}/instances/{{instance}}/projects/{{project}}/push",
                  f"{V1}/instances/{{instance}}/projects/{{project}}/library/push"]

    @route(["POST"], push_paths, Envelope.A)
    async def push_image(call: Call) -> Any:
        return ok_a(imgs.push(call.path["instance"], call.path["project"], call.body))

    # ------------------------------------------------------------------ datasets (section 10)

    @route(["POST"], [f"{V1}/dataset/insert"], Envelope.A)
    async def create_dataset(call: Call) -> Any:
        sets.create(call.body, call.now)
        return ok_a(True)  # [DOC] no id

    @route(["POST"], [f"{V1}/dataset/files"], Envelope.A)
    async def add_dataset_file(call: Call) -> Any:
        sets.add_file(call.body)
        return ok_a(True)

    @route(["GET"], [f"{V1}/dataset/page", f"{V1}/dataset"], Envelope.A)
    async def list_datasets(call: Call) -> Any:
        return ok_a(cube_page(sets.rows(), parse_form_data(call.query.get("form_data"), call.body)))

    @route(["DELETE"], [f"{V1}/dataset/delete"], Envelope.A)
    async def delete_dataset(call: Call) -> Any:
        sets.delete(call.body)
        return ok_a(True)

    # ------------------------------------------------------------------ resource packages, storage, pools (4, 5, 6)

    @route(["POST"], [f"{V1}/resource"], Envelope.A)
    async def buy_package(call: Call) -> Any:
        return ok_a(res.purchase(call.body, call.now, storage=False).order_id)

    @route(["POST"], [f"{V1}/resource/list"], Envelope.A, True)
    async def list_packages(call: Call) -> Any:
        body = fields.body_object(call.body)
        spec_type = fields.text(body, "specType")
        rows = [res.view(p, call.now) for p in res.packages() if p.resource_type == spec_type]
        return ok_a(gateway_page(rows, body))

    @route(["GET"], [f"{V1}/resource/detail/{{resource_id}}"], Envelope.A)
    async def package_detail(call: Call) -> Any:
        return ok_a(res.view(res.package(call.path["resource_id"]), call.now))

    @route(["DELETE"], [f"{V1}/resource/{{resource_id}}"], Envelope.A, True)
    async def unsubscribe(call: Call) -> Any:
        return ok_a(res.unsubscribe(call.path["resource_id"], call.body, call.now))

    def storage_list(call: Call) -> Any:
        body = fields.body_object(call.body)
        rows = [
            res.view(p, call.now)
            for p in res.packages()
            if p.resource_type == "storage"
            and body.get("name") in (None, "", p.name)
            and body.get("orderId") in (None, "", p.order_id)
        ]
        return ok_a(gateway_page(rows, body))

    @route(["POST"], [f"{V1}/storage/resource"], Envelope.A)
    async def buy_storage(call: Call) -> Any:
        # The 5.3 example lists through this path too: a paging body without a quote is a list.
        if isinstance(call.body, dict) and "pageNum" in call.body and "queryPriceResult" not in call.body:
            return storage_list(call)
        return ok_a(res.purchase(call.body, call.now, storage=True).order_id)

    @route(["POST"], [f"{V1}/storage/resource/list"], Envelope.A, True)
    async def list_storage(call: Call) -> Any:
        return storage_list(call)

    # ------------------------------------------------------------------ project spaces (section 9)

    @route(["POST"], [f"{V1}/project/insert"], Envelope.A, True)
    async def create_project(call: Call) -> Any:
        body = fields.body_object(call.body)
        res.create_project(
            fields.text(body, "name"), fields.text(body, "Describe", "describe", required=False), call.now
        )
        return ok_a(True)  # [DOC] no id

    @route(["POST"], [f"{V1}/resource/project/related"], Envelope.A, True)
    async def relate_resources(call: Call) -> Any:
        body = fields.body_object(call.body)
        return ok_a(res.relate(fields.first(body, "projectId"), body.get("resourceIds"), related=True))

    @route(["POST"], [f"{V1}/resource/project/unRelated"], Envelope.A, True)
    async def unrelate_resources(call: Call) -> Any:
        body = fields.body_object(call.body)
        return ok_a(res.relate(fields.first(body, "projectId"), body.get("resourceIds"), related=False))

    @route(["DELETE"], [f"{V1}/project/delete"], Envelope.A, True)
    async def delete_project(call: Call) -> Any:
        res.delete_project(_required(call.query, "id"))
        return ok_a(True)

    @route(["GET"], [f"{V1}/project/page"], Envelope.A)
    async def list_projects(call: Call) -> Any:
        form = parse_form_data(call.query.get("form_data"), call.body)
        return ok_a(cube_page(res.project_rows(), form))

    # ------------------------------------------------------------------ where notebooks and services answer

    @app.get(notebooks.NOTEBOOK_PAGE.format(namespace="{namespace}", name="{name}"))
    async def notebook_page(namespace: str, name: str) -> HTMLResponse:  # [INFER] see notebooks.py
        now = config.clock()
        res.advance(now)
        status, page = nbs.page(namespace, name, now)
        return HTMLResponse(page, status_code=status)

    service_address = serving.SERVICE_ADDRESS.format(name="{name}")

    @app.post(service_address)
    @app.post(service_address + "/{rest:path}")
    async def invoke_service(name: str, request: Request, rest: str = "") -> JSONResponse:  # [INFER] serving.py
        now = config.clock()
        raw = await request.body()
        try:
            auth.check_auth(
                config,
                method=request.method,
                path=request.url.path,
                query=request.query_params.multi_items(),
                headers={key.lower(): value for key, value in request.headers.items()},
                body=raw,
                now=now,
            )
            res.advance(now)
            return JSONResponse(svcs.invoke(name, f"/{rest}", _json(raw), now))
        except AISpaceError as exc:
            return error_response(exc, Envelope.A)

    @app.get("/_sim/jobs")
    async def sim_jobs() -> JSONResponse:
        """Simulator control: every training and LLM task created (not an AI Space path), to count the vendor jobs
        a client made."""
        now = config.clock()
        res.advance(now)
        return JSONResponse(tasks.summary(now))

    @app.post(SEED_PATH + "/{t}")
    async def seed_tasks(t: str, request: Request) -> JSONResponse:
        """Simulator-only bulk seeding (`seeding.py`) of tasks of type `t`: each body is created as the
        task create path does, then started as `maas_run` does (the adapter's two calls)."""
        now = config.clock()
        answer = []
        try:
            seed = parse_seed_request(_json(await request.body()))
            res.advance(now)
            for index, body in enumerate(seed.bodies):
                task = tasks.create(t, body, now, sold_out)
                tasks.run(t, task.id, now)
                run = tasks.seeded_pending(task, seed.pending(index))
                answer.append(seeded(task.id, task.name, tasks.status(task, now), run.ready_at))
        except AISpaceError as exc:
            return error_response(exc, Envelope.A)
        return JSONResponse(answer)

    return app


def _slashed(*paths: str) -> list[str]:
    """Each path with and without its trailing slash (the examples use both)."""
    return [variant for path in paths for variant in (path, f"{path}/")]


def _json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid("the body is not valid JSON") from None


def _required(source: Any, name: str) -> Any:
    value = source.get(name) if isinstance(source, dict) else None
    if value in (None, ""):
        raise invalid(f"{name} is required")
    return value
