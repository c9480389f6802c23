"""Standard Webhooks secrets and signatures (the `standardwebhooks` package does the HMAC)."""

import base64
import secrets
from datetime import UTC, datetime
from functools import lru_cache

from standardwebhooks import Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)  # decodes the key once per secret, not once per attempt


def signed_headers(secrets_: tuple[str, ...], msg_id: str, body: str, at: datetime) -> dict[str, str]:
    """Headers for one attempt, with one signature per secret, space-separated as Standard Webhooks allows:
    during a rotation both the new and the previous secret sign, so a receiver verifies with either.
    The timestamp is the attempt's, so receivers' replay windows hold on retries."""
    at = at.astimezone(UTC)  # the library reads the wall clock as UTC
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(_signer(secret).sign(msg_id, at, body) for secret in secrets_),
        "content-type": "application/json",
    }
