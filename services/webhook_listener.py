"""`switchyard dev listen`: a local webhook receiver for trying Switchyard out. It prints every webhook
it receives and, given the endpoint's secret, whether its Standard Webhooks signature verifies."""

import json

import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def run(port: int, secret: str | None) -> None:
    async def receive(request: Request) -> Response:
        body = await request.body()
        verdict = "unchecked (no --secret)"
        if secret:
            try:
                Webhook(secret).verify(body, dict(request.headers))
                verdict = "valid"
            except WebhookVerificationError as exc:
                verdict = f"INVALID ({exc})"
        payload = json.loads(body or b"{}")
        data = payload.get("data", {})
        print(f"{request.headers.get('webhook-id')}  {payload.get('type'):<14} job={data.get('job_id')} "
              f"status={data.get('status')} signature={verdict}", flush=True)
        return Response(status_code=204)

    app = Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
    print(f"listening for webhooks on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
