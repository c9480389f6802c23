"""Following a job's logs: the followers of one job share one poller, each gets the tail it asked for and then
only new lines, the end reaches all of them, and the poller stops with its last follower."""

import asyncio
import uuid

import pytest

from services.common.problems import Problem
from services.gateway.log_follow import Ending, Followers


class FakeJob:
    def __init__(self, lines):
        self.lines, self.status, self.reads, self.checks = list(lines), None, 0, 0

    async def read(self):
        self.reads += 1
        return self.lines[-3:]  # the vendor answers a tail of 3 lines

    async def ended(self):
        self.checks += 1
        return self.status


async def next_item(queue):
    return await asyncio.wait_for(queue.get(), 5)


async def test_two_followers_share_one_poller_and_get_only_new_lines_then_the_end():
    job, job_id, followers = FakeJob(["a", "b"]), uuid.uuid4(), Followers(poll_s=0.01)
    first = followers.follow(job_id, job.read, job.ended)
    assert followers.follow(job_id, job.read, job.ended) is first and len(followers) == 1
    one, two = first.subscribe(10), first.subscribe(1)
    await first.ready
    assert await next_item(one) == ["a", "b"] and await next_item(two) == ["b"]

    job.lines += ["c", "d"]  # the tail moves on: b c d ... c d
    assert await next_item(one) == ["c", "d"] and await next_item(two) == ["c", "d"]
    late = first.subscribe(2)
    assert await next_item(late) == ["c", "d"]

    job.status = "SUCCEEDED"
    job.lines.append("exit status 0")
    for queue in (one, two, late):
        assert await next_item(queue) == ["exit status 0"]
        ending = await next_item(queue)
        assert isinstance(ending, Ending) and ending.status == "SUCCEEDED"
    await asyncio.sleep(0)
    assert len(followers) == 0
    assert job.reads == job.checks + 1  # one read per poll, however many follow


async def test_the_poller_stops_when_its_last_follower_leaves():
    job, job_id, followers = FakeJob(["a"]), uuid.uuid4(), Followers(poll_s=0.01)
    follow = followers.follow(job_id, job.read, job.ended)
    queue = follow.subscribe(5)
    await follow.ready
    follow.unsubscribe(queue)
    for _ in range(100):
        if follow.done:
            break
        await asyncio.sleep(0.01)
    assert follow.done and len(followers) == 0
    again = followers.follow(job_id, job.read, job.ended)
    assert again is not follow  # a new follower starts a new poller


async def test_a_first_read_refused_is_every_waiting_followers_problem():
    async def refuse():
        raise Problem(501, "Logs unsupported", "qizhi offers no job logs", type_="logs-unsupported")

    async def running():
        return None

    followers = Followers(poll_s=0.01)
    follow = followers.follow(uuid.uuid4(), refuse, running)
    follow.subscribe(5)
    with pytest.raises(Problem) as caught:
        await follow.ready
    assert caught.value.status == 501 and follow.done


async def test_logs_that_stop_being_readable_end_the_followers_with_the_problem():
    job, followers = FakeJob(["a"]), Followers(poll_s=0.01)
    reads = iter([["a"]])

    async def read():
        try:
            return next(reads)
        except StopIteration:
            raise Problem(410, "Logs gone", "modelarts no longer has the job", type_="logs-gone") from None

    follow = followers.follow(uuid.uuid4(), read, job.ended)
    queue = follow.subscribe(5)
    await follow.ready
    assert await next_item(queue) == ["a"]
    ending = await next_item(queue)
    assert isinstance(ending, Ending) and ending.problem.status == 410 and ending.status is None
