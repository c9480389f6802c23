"""Following a running job's logs: one poller per job in this gateway process, however many clients follow it.

The poller reads the job's log tail from the scheduler every `poll_s`, hands each follower only the lines that
are new (`log_text.new_lines`), and once the read model shows the job terminal reads once more (its last lines)
and tells every follower it ended; a read answering that no logs will come (501, 410) ends the followers with
that problem. It stops when its last follower leaves, or after the end.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from services.common.logs import log
from services.common.problems import Problem
from services.gateway.log_text import new_lines

Read = Callable[[], Awaitable[list[str]]]  # the job's current log tail
Ended = Callable[[], Awaitable[str | None]]  # the job's terminal status, None while it runs


class Ending:
    """The last item a follower receives: the job ended with `status`, or its logs cannot be read any more
    (`problem`: the vendor has no log API for it, or deleted it)."""

    def __init__(self, status: str | None, problem: Problem | None = None) -> None:
        self.status, self.problem = status, problem


FINAL_STATUSES = (410, 501)  # the logs will not come: no log API, the vendor job gone


class Follow:
    """The poller of one job and its followers, each an asyncio.Queue of line batches and a final Ending."""

    def __init__(self, read: Read, ended: Ended, poll_s: float) -> None:
        self._read, self._ended, self._poll_s = read, ended, poll_s
        self.lines: list[str] = []  # the tail last read
        self.followers: dict[asyncio.Queue, int] = {}  # each follower's queue, and the lines it asked for first
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.done = False

    def subscribe(self, tail: int) -> asyncio.Queue:
        """A new follower's queue: first the last `tail` lines read (once the first read is done), then the new
        ones. Taken without yielding to the poller, so no line is lost or given twice in between."""
        queue: asyncio.Queue = asyncio.Queue()
        self.followers[queue] = tail
        if self.ready.done() and self.ready.exception() is None:
            queue.put_nowait(self.lines[-tail:])
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self.followers.pop(queue, None)

    def _send(self, item) -> None:
        for queue in self.followers:
            queue.put_nowait(item)

    async def run(self) -> None:
        try:
            self.lines = await self._read()
        except Exception as exc:  # a Problem for the followers to answer (e.g. 501 logs-unsupported)
            self.done = True
            self.ready.set_exception(exc)
            return
        for queue, tail in self.followers.items():
            queue.put_nowait(self.lines[-tail:])
        self.ready.set_result(None)
        try:
            while self.followers:
                await asyncio.sleep(self._poll_s)
                status = await self._ended()  # asked before the read, so a read after the end is its whole log
                try:
                    read = await self._read()
                except Problem as exc:
                    if exc.status in FINAL_STATUSES:
                        self._send(Ending(status, exc))
                        return
                    log.warning("logs.follow_read_failed", status=exc.status, detail=exc.detail)
                    read = self.lines
                except Exception as exc:  # the vendor away for a moment: the next poll tries again
                    log.warning("logs.follow_read_failed", job_error=type(exc).__name__,
                                detail=getattr(exc, "detail", str(exc)))
                    read = self.lines
                fresh = new_lines(self.lines, read)
                self.lines = read
                if fresh:
                    self._send(fresh)
                if status is not None:
                    self._send(Ending(status))
                    return
        finally:
            self.done = True  # set without yielding after the last check: nobody joins a poller that left


class Followers:
    """This process's pollers, by job."""

    def __init__(self, poll_s: float) -> None:
        self.poll_s = poll_s
        self._follows: dict[uuid.UUID, Follow] = {}
        self._tasks: set[asyncio.Task] = set()

    def follow(self, job_id: uuid.UUID, read: Read, ended: Ended) -> Follow:
        """The job's poller, started if none runs."""
        current = self._follows.get(job_id)
        if current is not None and not current.done:
            return current
        follow = Follow(read, ended, self.poll_s)
        self._follows[job_id] = follow
        task = asyncio.create_task(follow.run())
        self._tasks.add(task)

        def finished(task: asyncio.Task) -> None:
            self._tasks.discard(task)
            if self._follows.get(job_id) is follow:
                del self._follows[job_id]

        task.add_done_callback(finished)
        return follow

    def __len__(self) -> int:
        return sum(1 for follow in self._follows.values() if not follow.done)
