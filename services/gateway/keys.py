"""The rules of a tenant's API keys: how one is made and hashed, the prefix it is recognised by, when it is
refused, when its `last_used_at` is worth writing, and which key a tenant may not delete."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

API_KEY_PREFIX = "sy_live_"
SHOWN_RANDOM_CHARS = 6  # of the key's 43 random characters, the ones its prefix shows (36 of 256 bits)
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is this coarse: not a write per request


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    # The key carries 256 random bits, so a fast hash is enough (no password-style stretching needed):
    # a leaked table does not give the keys back.
    return hashlib.sha256(api_key.encode()).hexdigest()


def key_prefix(api_key: str) -> str:
    """What a listing shows of a key so its owner can tell it from the others: `sy_live_` and six characters."""
    return api_key[:len(API_KEY_PREFIX) + SHOWN_RANDOM_CHARS]


@dataclass(frozen=True)
class Refusal:
    status: int
    type: str
    title: str
    detail: str


UNKNOWN = Refusal(401, "unauthorized", "Unauthorized", "Unknown or revoked API key.")
EXPIRED = Refusal(401, "unauthorized", "Unauthorized", "This API key has expired.")
SUSPENDED = Refusal(403, "tenant-suspended", "Tenant suspended",
                    "The tenant is suspended; its queued jobs wait until an operator resumes it.")


def refusal(expires_at: datetime | None, tenant_status: str, now: datetime) -> Refusal | None:
    """Why a key that exists and is not revoked is refused, or None: it has expired, or its tenant is not
    active. (A revoked key is as unknown as a key never made: `UNKNOWN`.) An expired key says so, so its owner
    knows to make another."""
    if expires_at is not None and expires_at <= now:
        return EXPIRED
    if tenant_status != "active":
        return SUSPENDED
    return None


def needs_touch(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether this use should be written to `last_used_at` (at most about once a minute per key)."""
    return last_used_at is None or now - last_used_at >= TOUCH_EVERY


def expiry_error(expires_at: datetime | None, now: datetime) -> str | None:
    """Why a new key's `expires_at` is refused, or None."""
    if expires_at is not None and expires_at <= now:
        return "expires_at must be in the future"
    return None


def is_active(expires_at: datetime | None, revoked_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and (expires_at is None or expires_at > now)


def may_delete(active_keys: int, deleting_an_active_key: bool) -> bool:
    """A tenant may not delete its last active key: it would lock itself out of its own account (and of making
    a new key), which only an operator could undo. An operator may revoke any key (a leaked one, say)."""
    return not deleting_an_active_key or active_keys > 1
