"""Keeping an ended job's logs: the read model queues a capture in the transaction that sees the job end
(`gateway.log_captures`); this loop reads each due one's log from the scheduler, keeps its last
`log_retain_bytes` (`log_text.retained`) in `gateway.job_logs` and retries a failed read later, so the logs
answer after the vendor deleted the job. A job whose vendor has no log API, or whose vendor job is gone
already, has nothing to keep."""

import asyncio
from datetime import timedelta

from services.common.logs import log
from services.common.problems import Problem
from services.common.runtime import Runtime
from services.common.unit_of_work import unit_of_work
from services.gateway.log_text import retained
from services.gateway.proxy import Upstream, ask_text
from services.gateway.store import logs

BATCH = 20
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 20
NOTHING_TO_KEEP = (404, 410, 501)  # no such job, the vendor job gone, no log API
READ_ALL = 1_000_000  # lines: the scheduler's largest tail; what is kept is cut by bytes


def retry_delay(attempts: int) -> timedelta:
    """How long a failed capture waits before its next try: 2 s, doubling, at most 5 min."""
    return timedelta(seconds=min(300, 2 ** (attempts + 1)))


async def capture_due(rt: Runtime, upstream_of) -> int:
    """Capture every due job's logs once; the number of captures tried."""
    async with unit_of_work(rt.pool) as conn:
        due = await logs.claim_due(conn, BATCH, LEASE)
    for row in due:
        job_id, tenant_id = row["job_id"], row["tenant_id"]
        url = f"{rt.settings.scheduler_url}/internal/tenants/{tenant_id}/jobs/{job_id}/logs"
        try:
            text = await ask_text(upstream_of(f"/v1/jobs/{job_id}/logs"), url, params={"tail": READ_ALL})
        except Problem as exc:
            async with unit_of_work(rt.pool) as conn:
                if exc.status in NOTHING_TO_KEEP or row["attempts"] + 1 >= MAX_ATTEMPTS:
                    log.info("logs.not_captured", job_id=str(job_id), status=exc.status, detail=exc.detail)
                    await logs.drop_capture(conn, job_id)
                else:
                    await logs.retry_later(conn, job_id, retry_delay(row["attempts"]), f"{exc.status} {exc.detail}")
            continue
        content, truncated = retained(text.splitlines(), rt.settings.log_retain_bytes)
        async with unit_of_work(rt.pool) as conn:
            await logs.store(conn, job_id, content, truncated)
        log.info("logs.captured", job_id=str(job_id), size=len(content), truncated=truncated)
    return len(due)


async def run(rt: Runtime, client_of) -> None:
    """The loop: every due capture, then a pause of `log_poll_s` when there was none."""
    def upstream_of(path: str) -> Upstream:
        return Upstream(client_of(), path)

    while True:
        if not await capture_due(rt, upstream_of):
            await asyncio.sleep(rt.settings.log_poll_s)
