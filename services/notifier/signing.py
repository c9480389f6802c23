"""Standard Webhooks secrets and signatures (the `standardwebhooks` package does the HMAC)."""

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    """Headers for one attempt; the timestamp is the attempt's, so receivers' replay windows hold on retries."""
    at = at.astimezone(UTC)  # the library reads the wall clock as UTC
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
        "content-type": "application/json",
    }
