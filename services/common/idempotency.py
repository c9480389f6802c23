"""The fingerprint of a request kept with its Idempotency-Key: the same key with another body is a conflict."""

import hashlib
import json


def fingerprint(body: dict) -> str:
    """A digest of `body` that does not depend on key order or white space."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
