"""The ledger and the account balances: ledger entries written a transaction at a time, each
account's balance moved with them. Which entries and which overdraft are ledger.py's
(ledger.entries); locking balances is store/locks.py's."""

import uuid
from collections.abc import Sequence

import asyncpg

from services.billing.ledger import Entries


async def open_accounts(conn: asyncpg.Connection, names: Sequence[str]) -> None:
    """Create the accounts not there yet, at zero."""
    await conn.execute(
        "INSERT INTO billing.accounts (account) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", names)


async def post(conn: asyncpg.Connection, txn_id: uuid.UUID, entries: Entries, *, kind: str,
               reference: str | None = None, memo: str | None = None) -> None:
    """Write one ledger transaction and move the account balances with it, one statement each. The
    database refuses a balance below its account's overdraft."""
    if not entries.accounts:
        return
    # The entries and the balances in one statement (a round trip less per batch). Missing accounts are
    # created first, then moved: an upsert would check its candidate row (the bare delta) against the
    # overdraft rule before finding the existing account; most batches find every account there.
    moved = await conn.fetch(
        """WITH entries AS (
               INSERT INTO billing.ledger_entries (txn_id, account, amount, kind, reference, memo)
               SELECT $1, a, m, $4, $5, $6 FROM unnest($2::text[], $3::bigint[]) AS e(a, m))
           UPDATE billing.accounts a SET balance = a.balance + e.m, updated_at = now(), overdraft = e.o
           FROM unnest($2::text[], $3::bigint[], $7::bigint[]) AS e(name, m, o) WHERE a.account = e.name
           RETURNING a.account""",
        txn_id, entries.accounts, entries.amounts, kind, reference, memo, entries.overdrafts,
    )
    if len(moved) < len(entries.accounts):
        await open_accounts(conn, entries.accounts)
        done = {row["account"] for row in moved}
        rest = [(a, m, o) for a, m, o in zip(entries.accounts, entries.amounts, entries.overdrafts) if a not in done]
        await conn.execute(
            """UPDATE billing.accounts a SET balance = a.balance + e.m, updated_at = now(), overdraft = e.o
               FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS e(name, m, o) WHERE a.account = e.name""",
            *(list(column) for column in zip(*rest)),
        )


async def balance(conn: asyncpg.Connection, account: str) -> int:
    return await conn.fetchval("SELECT balance FROM billing.accounts WHERE account = $1", account) or 0


async def balances(conn: asyncpg.Connection, accounts: list[str]) -> dict[str, int]:
    rows = await conn.fetch("SELECT account, balance FROM billing.accounts WHERE account = ANY($1::text[])", accounts)
    return {row["account"]: row["balance"] for row in rows}
