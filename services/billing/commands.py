"""Money moved on request: a top-up, a package purchase, an operator's adjustment or void. Each is one
unit of work and, given an Idempotency-Key, happens once: a repeat gets the first reply back.

The routes call these; so do the tests and the benchmarks' seeding. The postings are ledger's, the
thresholds thresholds', the SQL the store's; the refusals are errors.py's.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import asyncpg

from contracts import money
from services.billing import ledger, metering, packages, store, thresholds
from services.billing.errors import Conflict, InsufficientFunds, NotFound
from services.billing.metering import Kind
from services.billing.policy import Policy
from services.billing.rating import reverse_charges
from services.billing.store.charges import Charge
from services.common.idempotency import fingerprint
from services.common.unit_of_work import unit_of_work

# --- once per Idempotency-Key ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict
    replayed: bool = False


def replay(stored_fingerprint: str, request_fingerprint: str, status: int, body: dict) -> Reply:
    """The reply to a repeat of a key already used: the first reply for the same request, a Conflict
    for another one."""
    if stored_fingerprint != request_fingerprint:
        raise Conflict("this Idempotency-Key was used with a different request")
    return Reply(status, body, replayed=True)


async def idempotent(pool: asyncpg.Pool, scope: str, key: str | None, request: dict,
                     effect: Callable[[asyncpg.Connection], Awaitable[Reply]]) -> Reply:
    """Run `effect` in one unit of work, once per (scope, key). Only successes are kept (a refused
    purchase may be retried after a top-up). Without a key, the effect simply runs."""
    async with unit_of_work(pool) as conn:
        if key is None:
            return await effect(conn)
        request_fingerprint = fingerprint(request)
        stored = await store.idempotency.claim(conn, scope, key)
        if stored is not None:
            return replay(stored["fingerprint"], request_fingerprint, stored["status"], stored["response"])
        reply = await effect(conn)
        await store.idempotency.store_reply(conn, scope, key, request_fingerprint, reply.status, reply.body)
        return reply


# --- money coming in ------------------------------------------------------------------------------

async def _settle_and_rearm(conn: asyncpg.Connection, tenant_id: uuid.UUID, policy: Policy, *,
                            topup: int | None) -> int:
    """After money came in: pay what is owed from the balance, re-arm the thresholds (against this
    top-up when it is one) and clear the exhaustion. Returns the new balance."""
    locked = await store.locks.lock_tenants(conn, [tenant_id])
    tenant, arrears = ledger.tenant_account(tenant_id), ledger.arrears_account(tenant_id)
    settled = ledger.settleable(locked.balances[tenant], locked.balances[arrears])
    if settled:
        await store.accounts.post(conn, uuid.uuid4(),
                                  ledger.entries(ledger.settlement_postings(tenant_id, settled), policy.overdraft),
                                  kind="arrears_settlement")
    balance = locked.balances[tenant] - settled
    state = locked.funds[tenant_id]
    available = balance + sum(g.value_left for g in locked.grants.get(tenant_id, []))
    last_topup, level = thresholds.rearm(state.level, state.last_topup, available, policy.funds_low, topup=topup)
    await store.funds.save(conn, [replace(state, last_topup=last_topup, level=level, exhausted_at=None)])
    return balance


def balance_body(balance: int) -> dict:
    return {"balance": money.format_amount(balance), "currency": money.CURRENCY}


async def credit(pool: asyncpg.Pool, tenant_id: uuid.UUID, amount: int, policy: Policy, *,
                 key: str | None = None, actor: str = "operator") -> Reply:
    """A top-up: the balance grows, arrears are paid first, thresholds measure against it."""
    async def effect(conn: asyncpg.Connection) -> Reply:
        await store.locks.lock_balances(conn, ledger.accounts_of(tenant_id))
        await store.accounts.post(conn, uuid.uuid4(), ledger.entries(ledger.credit_postings(tenant_id, amount),
                                                                     policy.overdraft),
                                  kind="credit", reference=key)
        balance = await _settle_and_rearm(conn, tenant_id, policy, topup=amount)
        await store.audit.record(conn, actor=actor, action="credit", tenant_id=tenant_id, subject=None,
                                 details={"amount": amount, "idempotency_key": key})
        return Reply(200, balance_body(balance))

    return await idempotent(pool, f"credit:{tenant_id}", key, {"amount": amount}, effect)


async def purchase(pool: asyncpg.Pool, tenant_id: uuid.UUID, offer_id: uuid.UUID, policy: Policy, *,
                   key: str | None, render: Callable[[asyncpg.Record], dict]) -> Reply:
    """Buy a package from the balance (never from the overdraft)."""
    async def effect(conn: asyncpg.Connection) -> Reply:
        offer = await store.packages.offer(conn, offer_id)
        if offer is None or not offer["active"]:
            raise NotFound("package offer")
        balances = await store.locks.lock_balances(conn, ledger.accounts_of(tenant_id))
        available = balances[ledger.tenant_account(tenant_id)]
        if available < offer["price"]:
            raise InsufficientFunds(offer["price"], available)
        package_id = uuid.uuid4()
        await store.accounts.post(conn, uuid.uuid4(),
                                  ledger.entries(ledger.purchase_postings(tenant_id, offer["price"]), policy.overdraft),
                                  kind="package_purchase", reference=str(package_id), memo=offer["name"])
        now = await conn.fetchval("SELECT now()")
        package = await store.packages.insert(conn, package_id=package_id, tenant_id=tenant_id, offer=offer,
                                              expires_at=packages.expiry(now, offer["valid_days"]))
        await _settle_and_rearm(conn, tenant_id, policy, topup=None)
        return Reply(201, render(package))

    return await idempotent(pool, f"package:{tenant_id}", key, {"offer_id": str(offer_id)}, effect)


# --- an operator's corrections --------------------------------------------------------------------

async def adjust(pool: asyncpg.Pool, tenant_id: uuid.UUID, amount: int, kind: str, reason: str, policy: Policy, *,
                 key: str | None, actor: str) -> Reply:
    """An operator's credit, refund (amount > 0) or debit (amount < 0), with its reason on record."""
    async def effect(conn: asyncpg.Connection) -> Reply:
        balances = await store.locks.lock_balances(conn, ledger.accounts_of(tenant_id))
        available = balances[ledger.tenant_account(tenant_id)] + policy.overdraft
        if amount < 0 and available + amount < 0:
            raise InsufficientFunds(-amount, available)
        adjustment_id = uuid.uuid4()
        await store.accounts.post(conn, adjustment_id,
                                  ledger.entries(ledger.adjustment_postings(tenant_id, amount), policy.overdraft),
                                  kind="adjustment", reference=str(adjustment_id), memo=f"{kind}: {reason}")
        new_balance = await _settle_and_rearm(conn, tenant_id, policy, topup=None) if amount > 0 \
            else balances[ledger.tenant_account(tenant_id)] + amount
        await store.audit.record(conn, actor=actor, action=f"adjustment.{kind}", tenant_id=tenant_id,
                                 subject=str(adjustment_id),
                                 details={"amount": amount, "reason": reason, "idempotency_key": key})
        return Reply(201, {"id": str(adjustment_id), "tenant_id": str(tenant_id), "kind": kind,
                           "amount": money.format_amount(amount), "currency": money.CURRENCY, "reason": reason,
                           "balance": money.format_amount(new_balance)})

    return await idempotent(pool, f"adjust:{tenant_id}", key, {"amount": amount, "kind": kind, "reason": reason}, effect)


async def void_charge(pool: asyncpg.Pool, charge_id: uuid.UUID, reason: str, policy: Policy, *,
                      actor: str) -> Charge:
    """Give a charge back with a void row (the charge itself stays as it was)."""
    async with unit_of_work(pool) as conn:
        charge = await store.charges.get(conn, charge_id)
        if charge is None:
            raise NotFound("charge")
        if charge.kind is not Kind.CHARGE:
            raise Conflict(f"only a charge can be voided, this is a {charge.kind}")
        job, now = await store.locks.lock_job(conn, charge.job_id)
        booked = await store.charges.minutes_by_kind(conn, charge.job_id)
        if charge.minute in booked[Kind.REFUND] or charge.minute in booked[Kind.VOID]:
            raise Conflict("this charge was already refunded or voided")
        await reverse_charges(conn, job, [charge], Kind.VOID, now, policy, reason=reason)
        await store.audit.record(conn, actor=actor, action="charge.void", tenant_id=charge.tenant_id,
                                 subject=str(charge_id),
                                 details={"reason": reason, "amount": charge.amount, "shortfall": charge.shortfall})
        return await store.charges.get(conn, metering.charge_id(charge.job_id, charge.minute, Kind.VOID))
