"""Caps on what one tenant may hold (webhooks, topics, subscriptions, open jobs) or send in a window (confirmation
e-mails per hour), the limit in force for a tenant, and the problem a request past one answers: 409 `cap-reached`
for what is held (it frees when the tenant deletes or finishes something), 429 with Retry-After for what is sent in
a window (it frees by itself).

Every cap has a default and may have an override per tenant; the gateway owns both (it owns tenants) and the
notifier is told the limit in force with each create the gateway forwards to it.

A service checks a cap by counting inside the transaction that creates, after `lock`: two concurrent creates of
one tenant then count one after the other, so they cannot both pass."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.common.problems import Problem

# pg_advisory_xact_lock(int, int) keys live apart from the one-bigint keys the other locks use (PostgreSQL
# keeps the two key spaces apart), so a cap's lock never collides with an Idempotency-Key's.
LOCK_CLASS = 0x63617073  # "caps"


@dataclass(frozen=True)
class Cap:
    name: str  # what it caps, as the setting that holds it says: "webhooks_per_tenant"
    limit: int
    what: str  # the things counted, for the problem's detail: "webhooks"

    def allows(self, count: int) -> bool:
        """Whether one more may be made when `count` are counted already."""
        return count < self.limit


def limit_in_force(override: int | None, default: int) -> int:
    """The limit a tenant is held to: the operator's override for that tenant if there is one, else the default
    every tenant has."""
    return default if override is None else override


def cap_reached(cap: Cap, *, retry_after_s: int | None = None) -> Problem:
    if retry_after_s is None:
        return Problem(409, "Cap reached", f"A tenant may have at most {cap.limit} {cap.what}.", type_="cap-reached",
                       cap=cap.name, limit=cap.limit)
    return Problem(429, "Cap reached", f"A tenant may send at most {cap.limit} {cap.what}; retry in {retry_after_s} s.",
                   type_="cap-reached", headers={"Retry-After": str(retry_after_s)}, cap=cap.name, limit=cap.limit,
                   retry_after_s=retry_after_s)


def window_retry_after(oldest: datetime, window: timedelta, now: datetime) -> int:
    """Whole seconds (at least 1) until the oldest event counted in the window leaves it."""
    return max(1, math.ceil((oldest + window - now).total_seconds()))


async def lock(conn: asyncpg.Connection, name: str, owner: uuid.UUID) -> None:
    """Hold the lock of the cap `name` (`Cap.name`) for its owner (the tenant; the topic, for a cap per topic) until
    the transaction ends. By name, not by `Cap`: a limit read in the statement that counts is known only after the
    lock. A transaction taking two caps' locks takes them in one order everywhere."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", LOCK_CLASS, lock_key(name, owner))


def lock_key(name: str, owner: uuid.UUID) -> str:
    """The text whose hash, in the class `LOCK_CLASS`, is the lock of the cap `name` for `owner`."""
    return f"{name}:{owner}"
