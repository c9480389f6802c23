"""`switchyard jobs ...` and `quote`: launch a job from its file, watch it, list, show, cancel, open a notebook's
page, call an inference service."""

import json
import sys
import time
import uuid
import webbrowser
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group

from switchyard_client import models as m
from switchyard_client.client import Client
from switchyard_client.cli.jobfile import Overrides, load_job
from switchyard_client.cli.session import (EXIT_INTERRUPTED, EXIT_JOB_FAILED, AllPages, Cursor, Format, Session,
                                           UsageProblem, command, fetch, key_values, page_size, table)
from switchyard_client.errors import ApiError

app = typer.Typer(help="Launch, watch and manage jobs.", no_args_is_help=True)

MIN_PREFIX = 8
File = Annotated[Path, typer.Option("-f", "--file", help="the job file (YAML with the JobSpec's fields)")]
EnvOpt = Annotated[list[str] | None, typer.Option("--env", help="KEY=VALUE, added to the file's env")]
NameOpt = Annotated[str | None, typer.Option("--name")]
PriorityOpt = Annotated[str | None, typer.Option("--priority", help="low, normal or high")]
AcceleratorOpt = Annotated[str | None, typer.Option("--accelerator")]
CountOpt = Annotated[int | None, typer.Option("--count", help="accelerators per node")]
NodesOpt = Annotated[int | None, typer.Option("--nodes", help="nodes a training job runs on")]
PollOpt = Annotated[float, typer.Option("--poll-interval", hidden=True, envvar="SWITCHYARD_POLL_S")]


def resolve_job_id(client: Client, text: str) -> uuid.UUID:
    """A job id, or a unique prefix of at least 8 characters of one (the API finds jobs by full id only, so a
    prefix is looked for in the tenant's job list)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    prefix = text.lower()
    if len(prefix) < MIN_PREFIX:
        raise UsageProblem(f"job id {text!r}: give the whole id or at least {MIN_PREFIX} of its characters")
    found = [job.id for job in client.iter_jobs() if str(job.id).startswith(prefix)]
    if not found:
        raise ApiError(404, "Not found", f"No job id starts with {text!r}.")
    if len(found) > 1:
        raise UsageProblem(f"job id {text!r} is ambiguous: {', '.join(str(j) for j in found[:5])}")
    return found[0]


def _quote_table(quotes: m.QuoteList):
    placements = table(["VENDOR", "FLAVOR", "PRICE/H", "MAX COST", "COVERED BY"], [
        [q.vendor, q.flavor, f"{q.price_per_hour.amount} {q.price_per_hour.currency}",
         f"{q.max_cost.amount} {q.max_cost.currency}" if q.max_cost else None, q.covered_by] for q in quotes.items])
    if not quotes.excluded:
        return placements
    return Group(placements, "", _excluded_table(quotes.excluded))


def _left_out(excluded: list[m.Exclusion]) -> str:
    """How many vendors or flavors were left out for each reason: " (left out: 3 sold_out, 1 funds)"."""
    counts: dict[str, int] = {}
    for exclusion in excluded:
        counts[exclusion.reason] = counts.get(exclusion.reason, 0) + 1
    return f" (left out: {', '.join(f'{n} {reason}' for reason, n in counts.items())})" if counts else ""


def _excluded_table(excluded: list[m.Exclusion]):
    """What a placement left out: each vendor (flavor "-": the whole vendor) or flavor, and why."""
    return table(["LEFT OUT", "FLAVOR", "REASON"], [[e.vendor, e.flavor, e.reason] for e in excluded])


def _jobs_table(jobs: list[m.Job]):
    return table(["ID", "NAME", "KIND", "STATUS", "VENDOR", "FLAVOR", "COST", "CREATED"], [
        [str(j.id)[:MIN_PREFIX], j.name, j.kind, j.status, j.vendor, j.flavor, f"{j.cost.amount} {j.cost.currency}",
         j.created_at.strftime("%Y-%m-%d %H:%M")] for j in jobs])


def _running_for(job: m.Job) -> str:
    if job.started_at is None:
        return "not started"
    end = job.finished_at or datetime.now(UTC)
    seconds = max(0, int((end - job.started_at).total_seconds()))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _latest(events: m.JobEventList) -> str:
    if not events.items:
        return "-"
    event = events.items[-1]
    if event.type == "state":
        raw = f" ({event.raw_status})" if event.raw_status else ""
        return f"{event.from_status or '-'}→{event.to_status}{raw}"
    return event.type + (f": {event.reason}" if event.reason else "")


def status_line(job: m.Job, events: m.JobEventList) -> str:
    """The one line shown while waiting: status, vendor, flavor, time running, cost so far, latest event."""
    queue = ""
    if job.queue:
        estimate = job.queue.estimated_start_at
        starts = f", starts ~{estimate.astimezone(UTC):%H:%M:%S} UTC" if estimate else ""
        queue = f" (queued: {job.queue.reason}, #{job.queue.position}{starts})"
    return (f"{job.status}{queue} · {job.vendor or '-'} · {job.flavor or '-'} · {_running_for(job)} · "
            f"{job.cost.amount} {job.cost.currency} so far · {_latest(events)}")


def summary(job: m.Job) -> str:
    return (f"job {job.id} {job.status} on {job.vendor or '-'} ({job.flavor or '-'}), ran {_running_for(job)}, "
            f"cost {job.cost.amount} {job.cost.currency}" + (f"; {job.status_reason}" if job.status_reason else ""))


def wait_for_end(session: Session, client: Client, job_id: uuid.UUID, poll_s: float) -> m.Job:
    """Poll the job until it ends: a live line on a terminal, one line per change otherwise, nothing but the
    end with -o json|yaml (so the output stays one document)."""
    shown, plain = None, session.output is Format.table
    try:
        if plain and session.console.is_terminal:
            with session.console.status("waiting for the job ...") as live:
                while not (job := client.get_job(job_id)).finished:
                    live.update(status_line(job, client.job_events(job_id)))
                    time.sleep(poll_s)
        else:
            while True:
                job = client.get_job(job_id)
                if plain and (job.status, job.vendor) != shown:
                    shown = (job.status, job.vendor)
                    print(status_line(job, client.job_events(job_id)), flush=True)
                if job.finished:
                    return job
                time.sleep(poll_s)
    except KeyboardInterrupt:
        session.err.print(f"Stopped waiting; job {job_id} was not cancelled and goes on "
                          f"(`switchyard jobs wait {job_id}` waits again).", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    return job


def exit_code(job: m.Job) -> int:
    return 0 if job.status == "SUCCEEDED" else EXIT_JOB_FAILED


@command(app, "launch", help="Quote a job file, submit it, and with --wait watch it until it ends.")
def launch(session: Session, file: File, wait: Annotated[bool, typer.Option("--wait/--detach",
           help="watch until the job ends (exit 0 SUCCEEDED, 1 FAILED/STOPPED), or return once submitted")] = False,
           env: EnvOpt = None, name: NameOpt = None, priority: PriorityOpt = None,
           accelerator: AcceleratorOpt = None, count: CountOpt = None, nodes: NodesOpt = None,
           poll_interval: PollOpt = 2.0,
           idempotency_key: Annotated[str | None, typer.Option("--idempotency-key", help="defaults to a new one")]
           = None):
    spec = load_job(file, Overrides(name, priority, accelerator, count, tuple(env or ()), nodes))
    client = session.client()
    quotes = client.quote(spec)
    job = client.submit_job(spec, idempotency_key=idempotency_key)
    if session.output is not Format.table:
        if wait:
            job = wait_for_end(session, client, job.id, poll_interval)
        session.emit({"quote": quotes.raw, "job": job.raw})  # the two answers of the API, as they came
        raise typer.Exit(exit_code(job) if wait else 0)
    if quotes.items:
        best = quotes.items[0]
        max_cost = f"{best.max_cost.amount} {best.max_cost.currency}" if best.max_cost else "none (no max_runtime_s)"
        session.console.print(f"placement: {best.vendor} · {best.flavor} · "
                              f"{best.price_per_hour.amount} {best.price_per_hour.currency}/h · max cost {max_cost}",
                              markup=False)
    else:
        session.console.print(f"placement: nothing fits now{_left_out(quotes.excluded)}; the job waits in the queue",
                              markup=False)
    session.console.print(f"job {job.id} {job.status}", markup=False)
    if wait:
        job = wait_for_end(session, client, job.id, poll_interval)
        session.console.print(summary(job), markup=False)
        raise typer.Exit(exit_code(job))


@command(app, "wait", help="Wait until a job ends (exit 0 SUCCEEDED, 1 FAILED or STOPPED).")
def wait_job(session: Session, job_id: str, poll_interval: PollOpt = 2.0):
    client = session.client()
    job = wait_for_end(session, client, resolve_job_id(client, job_id), poll_interval)
    session.emit(job.raw, lambda: summary(job))
    raise typer.Exit(exit_code(job))


@command(app, "ls", help="The tenant's jobs, newest first: one page, or every page with --all.")
def list_jobs(session: Session, status: Annotated[str | None, typer.Option("--status")] = None,
              kind: Annotated[str | None, typer.Option("--kind", help="training, notebook or inference")] = None,
              limit: page_size(200) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.client()
    page = fetch(client, client.list_jobs, status=status.upper() if status else None, kind=kind, limit=limit,
                 cursor=cursor, every=every)
    session.emit_page(page, lambda: _jobs_table(page.items))


@command(app, "show", help="One job.")
def show(session: Session, job_id: str):
    client = session.client()
    job = client.get_job(resolve_job_id(client, job_id))
    calls = f"{job.invocations.count} calls, {job.invocations.bytes} bytes"
    shown = {"endpoints": _endpoints_text(job), "invocations": calls,
             "outputs": "\n".join(f"{o.name} {o.uri}" for o in job.outputs)}
    if job.queue is not None:
        left_out = "".join(f"\n  {e.vendor} {e.flavor or '(all)'}: {e.reason}" for e in job.queue.excluded)
        shown["queue"] = f"{job.queue.reason}, #{job.queue.position}{left_out}"
    session.emit(job.raw, lambda: key_values(job.raw | shown))


def _endpoints_text(job: m.Job) -> str:
    """One line per endpoint: its type, its URL and, when it has one, its end."""
    return "\n".join(f"{e.type} {e.url}" + (f" (until {e.expires_at:%Y-%m-%d %H:%M})" if e.expires_at else "")
                     for e in job.endpoints)


@command(app, "events", help="A job's state changes, placement attempts and losses.")
def events(session: Session, job_id: str):
    client = session.client()
    listing = client.job_events(resolve_job_id(client, job_id))
    session.emit(listing.raw, lambda: table(["#", "TYPE", "FROM", "TO", "RAW", "REASON", "OBSERVED"], [
        [e.position, e.type, e.from_status, e.to_status, e.raw_status, e.reason,
         e.observed_at.strftime("%H:%M:%S")] for e in listing.items]))


@command(app, "metrics", help="A job's resource use on its vendor: each metric's latest value, when it was "
                             "measured and how many points there are (-o json: every point).")
def metrics(session: Session, job_id: str):
    client = session.client()
    found = client.metrics(resolve_job_id(client, job_id))
    session.emit(found.raw, lambda: metrics_table(found))


def metrics_table(found: m.JobMetrics):
    """One row per series: its name, its latest value with the unit, that value's time and the series' length."""
    rows = []
    for series in found.series:
        latest = series.latest
        rows.append([series.name, f"{latest[1]:.1f}{series.unit}" if latest else "-",
                     latest[0].strftime("%Y-%m-%d %H:%M:%S") if latest else "-", len(series.points)])
    return table(["METRIC", "LATEST", "AT", "POINTS"], rows)


@command(app, "logs", help="A job's output on its vendor: its last lines, or with -f new ones as they are written "
                          "until the job ends (Ctrl-C stops following; the job goes on).")
def logs(session: Session, job_id: str,
         tail: Annotated[int | None, typer.Option("--tail", min=1, max=100_000,
                                                  help="lines from the end (the API's default: 1000)")] = None,
         follow: Annotated[bool, typer.Option("-f", "--follow", help="follow new lines until the job ends")] = False):
    client = session.client()
    resolved = resolve_job_id(client, job_id)
    if not follow:
        print(client.logs(resolved, tail=tail), end="", flush=True)
        return
    try:
        for line in client.logs(resolved, tail=tail, follow=True):
            print(line, flush=True)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None


@command(app, "cancel", help="Stop a job (it ends STOPPED).")
def cancel(session: Session, job_id: str):
    client = session.client()
    job = client.cancel_job(resolve_job_id(client, job_id))
    session.emit(job.raw, lambda: f"cancelling job {job.id} (was {job.status})")


@command(app, "open", help="Print a running notebook's page and open it in a browser (not with --print).")
def open_page(session: Session, job_id: str,
              print_only: Annotated[bool, typer.Option("--print", help="print the URL only")] = False):
    client = session.client()
    job = client.get_job(resolve_job_id(client, job_id))
    url = notebook_page(job)
    print(url)
    if not print_only:
        webbrowser.open(url)


def notebook_page(job: m.Job) -> str:
    """The job's jupyter URL, or the usage problem saying why it has none."""
    page = next((e.url for e in job.endpoints if e.type == "jupyter"), None)
    if page is None:
        reason = ("it is not a notebook" if job.kind != "notebook"
                  else f"it is {job.status}, or its page is not known yet")
        raise UsageProblem(f"job {job.id} has no notebook page: {reason}")
    return page


Data = Annotated[str | None, typer.Option("-d", "--data", help="the JSON body to send (@FILE: read from FILE)")]
BodyFile = Annotated[Path | None, typer.Option("-f", "--file", help="a file to send as the body ('-': stdin)")]


def invocation_body(data: str | None, file: Path | None) -> bytes:
    """The body of `jobs invoke`: -d's JSON (checked, so a typo fails here, not at the service; `-d @FILE` reads it
    from FILE, as curl does) or -f's bytes."""
    if data is not None and file is not None:
        raise UsageProblem("give -d JSON or -f FILE, not both")
    if data is not None and data.startswith("@"):
        try:
            data = Path(data[1:]).read_text()
        except OSError as exc:
            raise UsageProblem(f"-d {data}: {exc.strerror}") from None
    if data is not None:
        try:
            json.loads(data)
        except ValueError as exc:
            raise UsageProblem(f"-d is not JSON: {exc}") from None
        return data.encode()
    if file is not None:
        return sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    return b""


@command(app, "invoke", help="Call a running inference service; prints its answer.")
def invoke(session: Session, job_id: str, data: Data = None, file: BodyFile = None,
           content_type: Annotated[str, typer.Option("--content-type")] = "application/json"):
    client = session.client()
    answer = client.invoke(resolve_job_id(client, job_id), invocation_body(data, file), content_type=content_type)
    if "json" in answer.content_type:
        try:
            print(json.dumps(answer.json(), indent=2, ensure_ascii=False))
            return
        except ValueError:
            pass
    sys.stdout.write(answer.text)


def quote(session: Session, file: File, env: EnvOpt = None, name: NameOpt = None, priority: PriorityOpt = None,
          accelerator: AcceleratorOpt = None, count: CountOpt = None, nodes: NodesOpt = None):
    """Where a job file would run and what it would cost, in the order the scheduler tries, and what it left out."""
    spec = load_job(file, Overrides(name, priority, accelerator, count, tuple(env or ()), nodes))
    quotes = session.client().quote(spec)
    session.emit(quotes.raw, lambda: _quote_table(quotes))
