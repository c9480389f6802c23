"""`switchyard admin ...`: the operator's commands, with SWITCHYARD_ADMIN_TOKEN."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from switchyard_client.cli.account import offers_table
from switchyard_client.cli.keys import ExpiresAt, emit_new_key, keys_table
from switchyard_client.cli.session import (AllPages, Cursor, Session, UsageProblem, command, fetch, key_values,
                                           page_size, table)
from switchyard_client.models import CAP_NAMES, TenantCaps, TenantSummary

app = typer.Typer(help="Operator commands (SWITCHYARD_ADMIN_TOKEN).", no_args_is_help=True)
tenants = typer.Typer(help="Tenants: create, list, suspend, resume; their balance, limits, caps and keys.",
                      no_args_is_help=True)
tenant_keys = typer.Typer(help="A tenant's API keys: issue one, list them, revoke one.", no_args_is_help=True)
offers = typer.Typer(help="Package offers.", no_args_is_help=True)
price_book = typer.Typer(help="The price book.", no_args_is_help=True)
catalog = typer.Typer(help="The vendors' flavor catalog.", no_args_is_help=True)
dead_letters = typer.Typer(help="Events and messages that could not be published or applied.", no_args_is_help=True)
charges = typer.Typer(help="Charges: void one.", no_args_is_help=True)
app.add_typer(tenants, name="tenants")
tenants.add_typer(tenant_keys, name="keys")
app.add_typer(offers, name="package-offers")
app.add_typer(price_book, name="price-book")
app.add_typer(catalog, name="catalog")
app.add_typer(dead_letters, name="dead-letters")
app.add_typer(charges, name="charges")


def _document(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise UsageProblem(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise UsageProblem(f"{path}: must be a mapping")
    return data


@command(tenants, "create", help="A tenant; its first API key (named default) is shown once.")
def create_tenant(session: Session, name: str):
    session.emit(session.admin_client().create_tenant(name).raw)


def _tenants_table(items: list[TenantSummary]):
    return table(["ID", "NAME", "STATUS", "SINCE", "CREATED", "MAX JOBS", "MAX ACCELERATORS"], [
        [t.id, t.name, t.status, t.status_changed_at.strftime("%Y-%m-%d %H:%M") if t.status_changed_at else None,
         t.created_at.strftime("%Y-%m-%d %H:%M"), t.limits.max_concurrent_jobs, t.limits.max_concurrent_accelerators]
        for t in items])


@command(tenants, "ls", help="Tenants, newest first.")
def list_tenants(session: Session, limit: page_size(200) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.admin_client()
    page = fetch(client, client.tenants, limit=limit, cursor=cursor, every=every)
    session.emit_page(page, lambda: _tenants_table(page.items))


@command(tenants, "show", help="One tenant: its status and limits.")
def show_tenant(session: Session, tenant_id: str):
    tenant = session.admin_client().get_tenant(tenant_id)
    session.emit(tenant.raw, lambda: _tenants_table([tenant]))


@command(tenants, "suspend", help="Its keys are refused (403 tenant-suspended) and its queued jobs wait; its "
                                  "running jobs go on.")
def suspend(session: Session, tenant_id: str):
    tenant = session.admin_client().suspend_tenant(tenant_id)
    session.emit(tenant.raw, lambda: f"tenant {tenant.id} ({tenant.name}) {tenant.status}")


@command(tenants, "resume", help="Its keys work again and its queued jobs are placed again.")
def resume(session: Session, tenant_id: str):
    tenant = session.admin_client().resume_tenant(tenant_id)
    session.emit(tenant.raw, lambda: f"tenant {tenant.id} ({tenant.name}) {tenant.status}")


@command(tenant_keys, "create", help="Issue the tenant a key named NAME; it is shown this once.")
def issue_key(session: Session, tenant_id: str, name: str, expires_at: ExpiresAt = None):
    emit_new_key(session, session.admin_client().issue_tenant_api_key(tenant_id, name, expires_at=expires_at))


@command(tenant_keys, "ls", help="The tenant's keys (expired ones too), newest first.")
def list_tenant_keys(session: Session, tenant_id: str, limit: page_size(200) = None, cursor: Cursor = None,
                     every: AllPages = False):
    client = session.admin_client()
    page = fetch(client, client.tenant_api_keys, tenant_id, limit=limit, cursor=cursor, every=every)
    session.emit_page(page, lambda: keys_table(page.items))


@command(tenant_keys, "rm", help="Revoke any of the tenant's keys at once, its last one too.")
def revoke_tenant_key(session: Session, tenant_id: str, key_id: str):
    session.admin_client().revoke_tenant_api_key(tenant_id, key_id)
    session.emit({"deleted": key_id}, lambda: f"revoked API key {key_id} of tenant {tenant_id}")


@command(tenants, "credit", help="Top up a tenant's balance (AMOUNT in CNY, e.g. 100.00).")
def credit(session: Session, tenant_id: str, amount: str):
    session.emit(session.admin_client().credit_tenant(tenant_id, amount).raw)


@command(tenants, "limits", help="A tenant's limits; with an option, set them (0 = none may run, "
                                 "--unlimited clears both).")
def limits(session: Session, tenant_id: str, max_jobs: Annotated[int | None, typer.Option("--max-jobs")] = None,
           max_accelerators: Annotated[int | None, typer.Option("--max-accelerators")] = None,
           unlimited: Annotated[bool, typer.Option("--unlimited")] = False):
    client = session.admin_client()
    if unlimited or max_jobs is not None or max_accelerators is not None:
        result = client.set_tenant_limits(tenant_id, max_concurrent_jobs=max_jobs,
                                          max_concurrent_accelerators=max_accelerators)
    else:
        result = client.tenant_limits(tenant_id)
    session.emit(result.raw)


def _cap(flag: str, what: str) -> Any:
    return Annotated[int | None, typer.Option(flag, min=1, help=f"the tenant's own cap on {what}")]


def _caps_table(caps: TenantCaps):
    return table(["CAP", "LIMIT", "OVERRIDE", "DEFAULT"],
                 [[name, cap.limit, cap.override, cap.default] for name, cap in caps])


@command(tenants, "caps", help="A tenant's caps: each one's limit in force, its override and the default. With an "
                               "option, set those overrides (the others are kept); --default NAME gives a cap its "
                               "default again.")
def caps(session: Session, tenant_id: str, webhooks: _cap("--webhooks", "webhooks") = None,
         topics: _cap("--topics", "topics") = None,
         subscriptions_per_topic: _cap("--subscriptions-per-topic", "subscriptions per topic") = None,
         confirmation_emails_per_hour: _cap("--confirmation-emails-per-hour",
                                            "subscription confirmation e-mails per hour") = None,
         open_jobs: _cap("--open-jobs", "jobs not yet ended") = None,
         default: Annotated[list[str] | None, typer.Option(
             "--default", help="a cap given its default again (by name: open-jobs, webhooks, ...); repeat for "
                               "more")] = None):
    given = {name: value for name, value in (("webhooks", webhooks), ("topics", topics),
                                             ("subscriptions_per_topic", subscriptions_per_topic),
                                             ("confirmation_emails_per_hour", confirmation_emails_per_hour),
                                             ("open_jobs", open_jobs)) if value is not None}
    cleared = [name.replace("-", "_") for name in default or []]
    if unknown := sorted(set(cleared) - set(CAP_NAMES)):
        raise UsageProblem(f"--default {', '.join(unknown)}: no such cap (one of {', '.join(CAP_NAMES)})")
    if both := sorted(set(cleared) & set(given)):
        raise UsageProblem(f"{', '.join(both)}: both set and given back its default")
    client = session.admin_client()
    result = client.tenant_caps(tenant_id)
    if given or cleared:
        # The API replaces all five: the overrides not named here are sent back as they are.
        overrides = {name: getattr(result, name).override for name in CAP_NAMES} | given | dict.fromkeys(cleared)
        result = client.set_tenant_caps(tenant_id, **overrides)
    session.emit(result.raw, lambda: _caps_table(result))


@command(tenants, "adjust", help="A signed correction of a tenant's balance, with its reason.")
def adjust(session: Session, tenant_id: str,
           amount: Annotated[str, typer.Option("--amount", help="signed, e.g. -5.00 (an option: a leading - is "
                                               "not taken for a flag)")],
           reason: Annotated[str, typer.Option("--reason")],
           kind: Annotated[str | None, typer.Option("--kind", help="credit, debit or refund")] = None):
    session.emit(session.admin_client().adjust_tenant(tenant_id, amount, reason, kind=kind))


@command(charges, "void", help="Give a charge back (a void row; the charge itself is kept).")
def void(session: Session, charge_id: str, reason: Annotated[str, typer.Option("--reason")]):
    session.emit(session.admin_client().void_charge(charge_id, reason).raw)


@command(app, "margins", help="A month's revenue, list amount, vendor cost and margin by vendor and tenant.")
def margins(session: Session, month: Annotated[str, typer.Argument(help="YYYY-MM")]):
    report = session.admin_client().margins(month)
    columns = ["", "KEY", "REVENUE", "LIST", "VENDOR COST", "MARGIN", "MINUTES"]
    session.emit(report.raw, lambda: table(columns, [
        [group, line.key, line.revenue, line.list_amount, line.vendor_cost, line.margin, line.minutes]
        for group, lines in (("vendor", report.by_vendor), ("tenant", report.by_tenant), ("total", [report.total]))
        for line in lines]))


@command(app, "audit", help="The gateway's audit log: every write an operator or a tenant's key made, newest "
                             "first.")
def audit(session: Session, tenant: Annotated[str | None, typer.Option("--tenant", help="a tenant id")] = None,
          action: Annotated[str | None, typer.Option("--action", help="a route's name: create_tenant, "
                                                     "suspend_tenant, create_api_key, ...")] = None,
          since: Annotated[str | None, typer.Option("--from", help="ISO 8601, inclusive (UTC without a zone)")]
          = None,
          until: Annotated[str | None, typer.Option("--to", help="ISO 8601, exclusive")] = None,
          limit: page_size(200) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.admin_client()
    page = fetch(client, client.audit, tenant_id=tenant, action=action, since=since, until=until, limit=limit,
                 cursor=cursor, every=every)
    session.emit_page(page, lambda: table(["ID", "AT", "ACTOR", "ACTION", "STATUS", "METHOD", "TARGET"], [
        [r.id, r.at.strftime("%Y-%m-%d %H:%M:%S"), r.actor, r.action, r.status, r.method, r.target]
        for r in page.items]))


@command(app, "billing-audit", help="Billing's own trail of money actions, with their amounts, newest first.")
def billing_audit(session: Session, tenant: Annotated[str | None, typer.Option("--tenant")] = None,
                  limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100):
    trail = session.admin_client().billing_audit(tenant_id=tenant, limit=limit)
    session.emit(trail, lambda: table(["ID", "AT", "ACTOR", "ACTION", "TENANT", "SUBJECT", "DETAILS"], [
        [r.get("id"), r.get("created_at"), r.get("actor"), r.get("action"), r.get("tenant_id"), r.get("subject"),
         json.dumps(r.get("details"), ensure_ascii=False)] for r in trail.get("items", [])]))


@command(offers, "ls", help="Every offer, active or not.")
def list_offers(session: Session):
    listing = session.admin_client().all_package_offers()
    session.emit(listing.raw, lambda: offers_table(listing.items))


@command(offers, "create", help="An offer from a YAML or JSON file (name, accelerator + card_hours, or credit; "
                                "price, valid_days, priority).")
def create_offer(session: Session, file: Annotated[Path, typer.Option("-f", "--file")]):
    session.emit(session.admin_client().create_package_offer(_document(file)).raw)


@command(offers, "enable", help="Put an offer on sale.")
def enable_offer(session: Session, offer_id: str):
    session.emit(session.admin_client().set_package_offer_active(offer_id, True).raw)


@command(offers, "disable", help="Take an offer off sale.")
def disable_offer(session: Session, offer_id: str):
    session.emit(session.admin_client().set_package_offer_active(offer_id, False).raw)


@command(price_book, "show", help="The price book in force.")
def show_price_book(session: Session):
    book = session.admin_client().price_book()
    session.emit(book.raw, lambda: key_values({"version": book.version, "markup": book.markup,
                                              "overrides": book.overrides, "rules (in order)": ", ".join(book.rules)}))


@command(price_book, "set", help="Replace the price book with a YAML or JSON file (markup, overrides).")
def set_price_book(session: Session, file: Annotated[Path, typer.Option("-f", "--file")]):
    session.emit(session.admin_client().set_price_book(_document(file)).raw)


@command(catalog, "ls", help="Every enabled vendor's flavors of a kind, sold-out ones too, at sell prices.")
def list_catalog(session: Session,
                 kind: Annotated[str | None, typer.Option("--kind", help="training, notebook or inference")] = None):
    listing = session.admin_client().catalog(kind=kind)
    session.emit(listing.raw, lambda: table(["VENDOR", "FLAVOR", "ACCELERATOR", "COUNT", "PRICE/H", "AVAILABLE"], [
        [f.vendor, f.flavor, f.accelerator, f.count, f"{f.price_per_hour.amount} {f.price_per_hour.currency}",
         "yes" if f.available else "no"] for f in listing.items]))


@command(app, "vendors", help="Each enabled vendor and whether the scheduler sees it healthy now.")
def vendors(session: Session):
    listing = session.admin_client().vendor_health()
    session.emit(listing.raw, lambda: table(["VENDOR", "HEALTH"], [
        [v.vendor, "healthy" if v.healthy else "degraded"] for v in listing.items]))


@command(app, "queue", help="The jobs waiting in Switchyard's queue, every tenant's, first to be tried first.")
def queue(session: Session, limit: page_size(200) = None):
    listing = session.admin_client().queue(limit=limit)
    session.emit(listing.raw, lambda: table(["#", "JOB", "TENANT", "NAME", "KIND", "PRIORITY", "WAITING FOR", "SINCE"], [
        [q.position, q.job_id, q.tenant_id, q.name, q.kind, q.priority, q.reason, q.created_at.strftime("%Y-%m-%d %H:%M")]
        for q in listing.items]))


@command(catalog, "refresh", help="Have the scheduler re-read a vendor's flavors now.")
def refresh(session: Session, vendor: str):
    session.emit(session.admin_client().refresh_catalog(vendor).raw)


@command(dead_letters, "ls", help="Dead letters, oldest first.")
def list_dead_letters(session: Session, limit: page_size(200) = None, cursor: Cursor = None,
                      every: AllPages = False):
    client = session.admin_client()
    page = fetch(client, client.dead_letters, limit=limit, cursor=cursor, every=every)
    session.emit_page(page, lambda: table(["ID", "ORIGIN", "SERVICE", "TOPIC", "EVENT", "ATTEMPTS", "ERROR"], [
        [d.id, d.origin, d.service, d.topic, d.event_type, d.attempts, d.error[:60]] for d in page.items]))


@command(dead_letters, "show", help="One dead letter with its payload.")
def show_dead_letter(session: Session, dead_letter_id: int):
    session.emit(session.admin_client().get_dead_letter(dead_letter_id).raw)


@command(dead_letters, "retry", help="Publish it again to its topic.")
def retry(session: Session, dead_letter_id: int):
    session.emit(session.admin_client().retry_dead_letter(dead_letter_id).raw)


@command(dead_letters, "rm", help="Drop it.")
def drop(session: Session, dead_letter_id: int):
    session.admin_client().drop_dead_letter(dead_letter_id)
    session.emit({"deleted": dead_letter_id}, lambda: f"dropped dead letter {dead_letter_id}")
