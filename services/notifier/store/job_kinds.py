"""SQL for what the notifier learns from job events: each job's kind, from its submission, so later
notifications about the job can say it."""

import uuid

from services.notifier.store import Db


async def record(db: Db, job_id: uuid.UUID, kind: str) -> None:
    await db.execute(
        "INSERT INTO notifier.job_kinds (job_id, kind) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING",
        job_id, kind,
    )


async def get(db: Db, job_id: uuid.UUID) -> str | None:
    return await db.fetchval("SELECT kind FROM notifier.job_kinds WHERE job_id = $1", job_id)
