"""Notifications: webhook endpoints (state, breaker), their deliveries with every attempt, replay, a test send,
secret rotation (the new secret shown once); topics and their subscriptions."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from services.gateway.console import web
from services.gateway.console.web import Console

router = APIRouter(prefix=f"{web.PREFIX}/notifications")


async def _page(console: Console, message: str | None = None, error: str | None = None,
                secret: str | None = None, status: int = 200) -> Response:
    webhooks = await console.get("/v1/webhooks", limit=100)
    endpoints = []
    for item in webhooks.body["items"] if webhooks.ok else []:
        detail = await console.get(f"/v1/webhooks/{item['id']}")
        deliveries = await console.get(f"/v1/webhooks/{item['id']}/deliveries", limit=20)
        endpoints.append({"webhook": detail.body if detail.ok else item,
                          "deliveries": deliveries.body["items"] if deliveries.ok else []})
    topics = await console.get("/v1/topics", limit=100)
    topic_rows = []
    for topic in topics.body["items"] if topics.ok else []:
        subscriptions = await console.get(f"/v1/topics/{topic['id']}/subscriptions", limit=100)
        topic_rows.append({"topic": topic, "subscriptions": subscriptions.body["items"] if subscriptions.ok else []})
    return console.page("notifications.html", {"endpoints": endpoints, "topics": topic_rows, "message": message,
                                               "error": error, "secret": secret}, status=status)


@router.get("")
async def notifications_page(console: Annotated[Console, Depends(web.tenant)]) -> Response:
    return await _page(console)


@router.post("/webhooks/{webhook_id}/{action}")
async def webhook_action(webhook_id: uuid.UUID, action: str, console: Annotated[Console, Depends(web.tenant)],
                         form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    path = f"/v1/webhooks/{webhook_id}"
    if action == "replay":
        hours = str(form.get("hours") or "24")
        if not hours.isdigit() or not 1 <= int(hours) <= 24 * 30:
            return await _page(console, error="Replay: give the hours to go back, 1 to 720.", status=422)
        since = datetime.now(UTC) - timedelta(hours=int(hours))
        answer = await console.post(f"{path}/replay", {"since": since.isoformat()})
        done = answer.ok and f"{answer.body['replayed']} deliveries queued again."
    elif action in ("test", "enable"):
        answer = await console.post(f"{path}/{action}")
        done = answer.ok and ("Test message sent." if action == "test" else "Webhook enabled.")
    elif action == "rotate-secret":
        answer = await console.post(f"{path}/rotate-secret")
        if answer.ok:
            return await _page(console, message="Secret rotated: both secrets sign until "
                                                f"{answer.body['previous_secret_expires_at']}.",
                               secret=answer.body["secret"])
        done = False
    else:
        return console.page("not_found.html", {"what": "action"}, status=404)
    if not answer.ok:
        return await _page(console, error=answer.problem.get("detail") or answer.problem.get("title"),
                           status=answer.status)
    return await _page(console, message=done)
