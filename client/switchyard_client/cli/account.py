"""The tenant's catalog and money: `flavors`, `balance`, `usage`, `statements`, `packages ...`."""

from typing import Annotated

import typer

from switchyard_client.cli.jobs import resolve_job_id
from switchyard_client.cli.session import AllPages, Cursor, Session, command, fetch, key_values, page_size, table

packages = typer.Typer(help="Prepaid packages: the offers, buying one, yours.", no_args_is_help=True)


def flavors(session: Session, accelerator: Annotated[str | None, typer.Option("--accelerator")] = None,
            kind: Annotated[str | None, typer.Option("--kind", help="training, notebook or inference")] = None,
            count: Annotated[int | None, typer.Option("--count")] = None):
    """Every vendor's flavors at sell prices, cheapest first."""
    listing = session.client().flavors(kind=kind, accelerator=accelerator, count=count)
    session.emit(listing.raw, lambda: table(["VENDOR", "FLAVOR", "ACCELERATOR", "COUNT", "CPU", "MEM GB", "MAX NODES",
                                             "PRICE/H", "AVAILABLE"], [
        [f.vendor, f.flavor, f.accelerator, f.count, f.cpu, f.memory_gb, f.max_nodes,
         f"{f.price_per_hour.amount} {f.price_per_hour.currency}", "yes" if f.available else "no"]
        for f in listing.items]))


def balance(session: Session):
    """The balance, arrears, overdraft and prepaid packages."""
    current = session.client().balance()
    session.emit(current.raw, lambda: key_values({
        "balance": f"{current.balance} {current.currency}", "arrears": current.arrears,
        "overdraft": current.overdraft, "packages": len(current.packages)}))


def usage(session: Session, job: Annotated[str | None, typer.Option("--job", help="a job id or prefix")] = None,
          since: Annotated[str | None, typer.Option("--from", help="ISO 8601 time")] = None,
          until: Annotated[str | None, typer.Option("--to", help="ISO 8601 time")] = None,
          group_by: Annotated[str | None, typer.Option("--group-by", help="job, day, vendor, flavor (vendor/flavor) or accelerator")] = None,
          limit: page_size(1000) = None, cursor: Cursor = None, every: AllPages = False):
    """Charges (one per started minute) and their total, one page or every page with --all; or totals grouped
    (whole, not paged)."""
    client = session.client()
    job_id = resolve_job_id(client, job) if job else None
    if group_by:
        grouped = client.usage_grouped(group_by, job_id=job_id, since=since, until=until)
        session.emit(grouped.raw, lambda: table([grouped.group_by.upper(), "AMOUNT", "SHORTFALL", "CARD HOURS",
                                                 "MINUTES"], [[g.key, g.amount, g.shortfall, g.card_hours, g.minutes]
                                                              for g in grouped.items]
                                                + [["total", f"{grouped.total.amount} {grouped.total.currency}",
                                                    "", "", ""]]))
        return
    page = fetch(client, client.usage, job_id=job_id, since=since, until=until, limit=limit, cursor=cursor,
                 every=every)
    session.emit_page(page, lambda: table(["JOB", "MINUTE", "KIND", "AMOUNT", "SHORTFALL", "AT"], [
        [str(c.job_id)[:8], c.minute, c.kind, c.amount, c.shortfall, c.created_at.strftime("%Y-%m-%d %H:%M")]
        for c in page.items] + [["total", "", "", f"{page.total.amount} {page.total.currency}", "", ""]]))


def statements(session: Session, month: Annotated[str, typer.Argument(help="YYYY-MM (UTC)")],
               csv: Annotated[bool, typer.Option("--csv", help="the statement as CSV")] = False):
    """A month's statement."""
    client = session.client()
    if csv:
        print(client.statement_csv(month), end="")
        return
    session.emit(client.statement(month))


@command(packages, "offers", help="The packages on sale, newest first.")
def offers(session: Session, limit: page_size(100) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.client()
    listing = fetch(client, client.package_offers, limit=limit, cursor=cursor, every=every)
    session.emit_page(listing, lambda: offers_table(listing.items))


def offers_table(items):
    return table(["ID", "NAME", "ACCELERATOR", "CARD HOURS", "CREDIT", "PRICE", "VALID DAYS", "ACTIVE"], [
        [o.id, o.name, o.accelerator, o.card_hours, o.credit, f"{o.price} {o.currency}", o.valid_days,
         "yes" if o.active else "no"] for o in items])


@command(packages, "buy", help="Buy an offer from the balance.")
def buy(session: Session, offer_id: str):
    package = session.client().buy_package(offer_id)
    session.emit(package.raw)


@command(packages, "ls", help="Your packages, newest first.")
def list_packages(session: Session, limit: page_size(100) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.client()
    listing = fetch(client, client.packages, limit=limit, cursor=cursor, every=every)
    session.emit_page(listing, lambda: table(["ID", "ACCELERATOR", "UNIT", "GRANTED", "REMAINING", "EXPIRES"], [
        [p.id, p.accelerator, p.unit, p.granted, p.remaining, p.expires_at.strftime("%Y-%m-%d")]
        for p in listing.items]))
