"""Idempotency-Key handling for job submission: same key + same body → same job; different body → 409."""

import hashlib
import json


def request_fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
