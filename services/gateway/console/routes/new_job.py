"""The new-job form, with the quote beside it updated as the form changes, submitted with an Idempotency-Key."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.gateway.console import job_form, web
from services.gateway.console.web import Console

router = APIRouter(prefix=f"{web.PREFIX}/new")

DEFAULTS = {"kind": "training", "name": "", "image": "swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1",
            "command": "python train.py", "accelerator": "ascend-910b", "count": "1", "env": "",
            "max_runtime_s": "3600", "priority": "normal", "vendors": "", "exclude_vendors": "",
            "max_price_per_hour": "", "model": ""}


def _form_page(console: Console, values: dict, errors: dict, quote: dict, status: int = 200) -> Response:
    return console.page("new_job.html", {"values": values, "errors": errors, "quote": quote,
                                         "idempotency_key": values.get("idempotency_key") or str(uuid.uuid4())},
                        status=status)


async def _quote(console: Console, values: dict) -> dict:
    # The name does not change where a job runs: an unnamed draft is quoted all the same.
    spec, errors = job_form.spec_from_form({**values, "name": values.get("name") or "draft"})
    if errors:
        return {"placements": [], "errors": errors}
    answer = await console.post("/v1/quotes", spec)
    if not answer.ok:
        return {"placements": [], "errors": job_form.field_errors(answer.problem)}
    return {"placements": answer.body["items"], "errors": {}}


@router.get("")
async def new_job_page(console: Annotated[Console, Depends(web.tenant)]) -> Response:
    return _form_page(console, DEFAULTS, {}, await _quote(console, DEFAULTS))


@router.post("/quote")
async def quote(console: Annotated[Console, Depends(web.tenant)],
                form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    return console.page("_quote.html", {"quote": await _quote(console, form)})


@router.post("")
async def submit(request: Request, console: Annotated[Console, Depends(web.tenant)],
                 form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    values = {**DEFAULTS, **{k: v for k, v in form.items() if k in DEFAULTS or k == "idempotency_key"}}
    spec, errors = job_form.spec_from_form(values)
    if errors:
        return _form_page(console, values, errors, await _quote(console, values), status=422)
    key = str(values.get("idempotency_key") or uuid.uuid4())
    answer = await console.post("/v1/jobs", spec, headers={"Idempotency-Key": key})
    if not answer.ok:
        return _form_page(console, values, job_form.field_errors(answer.problem), await _quote(console, values),
                          status=answer.status)
    return web.redirect(f"{web.PREFIX}/jobs/{answer.body['id']}", request)
