"""When the watcher announces a job's endpoints: `changes.endpoints_change`."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from contracts.events import JobEndpoint
from contracts.status import JobStatus
from services.vendors.base import Endpoint, VendorJob
from services.watcher.changes import Tracked, endpoints_change

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
PAGE = Endpoint("jupyter", "http://127.0.0.1:18004/notebook/jupyter/sy-1/lab")
SSH = Endpoint("ssh", "ssh://root@127.0.0.1:2222", datetime(2026, 12, 3, tzinfo=UTC))


def tracked(status=JobStatus.RUNNING, endpoints=()):
    return Tracked(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), vendor="aispace", vendor_job_id="notebook:44",
                   status=status, raw_status="Running", sequence=3, kind="notebook", endpoints=endpoints)


def seen(*endpoints, raw="Running", status=JobStatus.RUNNING):
    return VendorJob(vendor_job_id="notebook:44", name="sy-1", raw_status=raw, status=status, reason=None,
                     created_at=None, started_at=None, finished_at=None, kind="notebook", endpoints=endpoints)


def test_a_running_jobs_first_endpoints_are_announced_whole():
    job = tracked()
    change = endpoints_change(job, seen(PAGE, SSH), JobStatus.RUNNING, NOW)
    assert change is not None
    assert (change.job_id, change.tenant_id, change.vendor, change.observed_at) == (
        job.job_id, job.tenant_id, "aispace", NOW)
    assert change.endpoints == [JobEndpoint(type="jupyter", url=PAGE.url),
                                JobEndpoint(type="ssh", url=SSH.url, expires_at=SSH.expires_at)]


def test_endpoints_already_announced_are_not_announced_again():
    assert endpoints_change(tracked(endpoints=(PAGE,)), seen(PAGE), JobStatus.RUNNING, NOW) is None


def test_a_moved_url_or_a_new_expiry_is_a_change():
    moved = replace(PAGE, url=PAGE.url.replace("18004", "18005"))
    assert endpoints_change(tracked(endpoints=(PAGE,)), seen(moved), JobStatus.RUNNING, NOW).endpoints[0].url == \
        moved.url
    renewed = replace(SSH, expires_at=datetime(2026, 12, 4, tzinfo=UTC))
    change = endpoints_change(tracked(endpoints=(SSH,)), seen(renewed), JobStatus.RUNNING, NOW)
    assert change.endpoints[0].expires_at == renewed.expires_at


def test_endpoints_the_vendor_stopped_reporting_are_withdrawn():
    change = endpoints_change(tracked(endpoints=(PAGE, SSH)), seen(PAGE), JobStatus.RUNNING, NOW)
    assert [e.type for e in change.endpoints] == ["jupyter"]


def test_a_starting_job_shows_none_even_when_its_vendor_names_them():
    starting = seen(PAGE, raw="Pending", status=JobStatus.QUEUED)
    assert endpoints_change(tracked(JobStatus.QUEUED), starting, JobStatus.QUEUED, NOW) is None


def test_a_job_that_ends_loses_the_endpoints_it_showed():
    stopped = seen(PAGE, raw="Stopped", status=JobStatus.STOPPED)
    change = endpoints_change(tracked(endpoints=(PAGE,)), stopped, JobStatus.STOPPED, NOW)
    assert change is not None and change.endpoints == []
    # and one that ended without ever showing any announces nothing
    assert endpoints_change(tracked(), stopped, JobStatus.STOPPED, NOW) is None
