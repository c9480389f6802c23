"""The web console in a real browser (Playwright driving Debian's Chromium) against the whole stack: a tenant signs
in, submits a job from the form and watches it reach SUCCEEDED without reloading, reads its timeline and logs, finds
its charge under Spend and its webhook delivery under Notifications, and signs out; a wrong key is refused, a form
without its CSRF token too, a second tenant never sees the first one's jobs, the operator view refuses a tenant's key;
the jobs list updates live and filters, a job is cancelled after a confirmation, an inference service is opened and
called, and revoking the session's key ends it. Every page's screenshot goes to test-artifacts/console/ (at 1280 and
390 px), and pages are checked with axe-core (tests/e2e/vendor/axe.min.js) for WCAG 2 A and AA."""

import re
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.helpers import job_in, wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "console"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
LIVE_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(ROOT / "infra" / "tools.sh"), "chromium"], check=False)
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: install Debian's package (apt-get install -y chromium); "
                    "infra/tools.sh chromium does so when run as root")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def axe() -> str:
    return AXE.read_text()


def _page(browser, stack, **options):
    context = browser.new_context(base_url=stack.gateway, viewport=WIDE, **options)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    return context, opened


@pytest.fixture
def page(browser, stack):
    # bypass_csp only so that axe-core can be added to the pages (the console's policy allows no inline script).
    context, opened = _page(browser, stack, bypass_csp=True)
    yield opened
    context.close()


@pytest.fixture
def strict_page(browser, stack):
    """A page under the console's own Content-Security-Policy: what is live there works without inline script."""
    context, opened = _page(browser, stack)
    yield opened
    context.close()


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_accessibility(page: Page, axe: str) -> None:
    """No serious or critical axe-core violation on the page (WCAG 2 A and AA rules)."""
    page.add_script_tag(content=axe)
    result = page.evaluate("""async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
        .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.nodes[0].html)""")
    assert result == [], result


def check_labels(page: Page) -> None:
    """Every visible control has a label: its own <label>, an aria-label, or (buttons) its text."""
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)""")
    assert unlabelled == []


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def sign_in(page: Page, key: str) -> None:
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    page.get_by_label("API key or operator token").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_a_tenant_follows_a_job_from_the_form_to_its_charge_and_its_webhook(page, stack, admin, tenant, receiver,
                                                                              axe):
    events = ["job.queued", "job.running", "job.succeeded"]
    created = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": events})
    assert created.status_code == 201, created.text

    sign_in(page, tenant.headers["Authorization"].removeprefix("Bearer "))
    expect(page).to_have_url(re.compile(r"/console/jobs$"))
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "sy_console_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    assert tenant.headers["Authorization"].removeprefix("Bearer ") not in cookie["value"]

    page.get_by_role("link", name="New job").first.click()
    name = f"console-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Environment (NAME=value, one a line)").fill("SWITCHYARD_SIM_RUN_SECONDS=8")
    page.get_by_label("Maximum runtime (seconds)").fill("600")
    page.get_by_label("Maximum runtime (seconds)").blur()
    quote = page.locator("#quote")
    expect(quote).to_contain_text("modelarts")
    expect(quote).to_contain_text("21.60")  # per hour
    expect(quote).to_contain_text("3.60")  # at most: 600 s of it
    check_labels(page)
    check_accessibility(page, axe)
    shot(page, "new-job")

    page.get_by_label("Image").fill("")
    page.get_by_label("Count").fill("-1")
    page.get_by_role("button", name="Submit job").click()
    expect(page.locator("#image-error")).to_contain_text("at least 1 character")
    expect(page.get_by_label("Image")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#count-error")).to_be_visible()
    assert tenant.get("/v1/jobs").json()["items"] == []
    page.get_by_label("Image").fill("swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1")
    page.get_by_label("Count").fill("1")
    page.get_by_role("button", name="Submit job").click()
    expect(page).to_have_url(re.compile(r"/console/jobs/[0-9a-f-]{36}$"))
    job_id = page.url.rsplit("/", 1)[1]
    page.evaluate("window.consoleLoaded = true")  # gone if the page reloads
    status = page.locator("#summary-title .badge")
    expect(status).to_have_text("SUCCEEDED", timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.consoleLoaded === true"), "the page was reloaded"
    timeline = page.locator("ol.timeline")
    for step in ("new → PENDING", "Placement attempt", "RUNNING → SUCCEEDED"):
        expect(timeline).to_contain_text(step)
    expect(page.locator("pre.log")).to_contain_text("exit status 0", timeout=LIVE_TIMEOUT_MS)
    job = job_in(tenant, job_id, "SUCCEEDED")
    expect(page.locator("#job-cost")).to_have_text(f"{job['cost']['amount']} CNY", timeout=LIVE_TIMEOUT_MS)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the log").click()
    assert "exit status 0" in Path(download.value.path()).read_text()
    check_accessibility(page, axe)
    shot(page, "job")

    page.goto("/console/jobs")
    row = page.locator(f'tr[data-job-id="{job_id}"]')
    expect(row).to_contain_text("SUCCEEDED")
    expect(row).to_contain_text(name)
    check_labels(page)
    check_accessibility(page, axe)
    shot(page, "jobs")

    page.goto("/console/spend")
    charged = tenant.get("/v1/usage", params={"job_id": job_id}).json()
    assert charged["items"], charged
    expect(page.locator("#charges")).to_contain_text(job_id[:8])
    expect(page.locator("#charges")).to_contain_text(charged["items"][0]["amount"])
    expect(page.locator("svg.chart rect")).not_to_have_count(0)
    expect(page.locator("#balance")).to_have_text(tenant.get("/v1/balance").json()["balance"])
    expect(page.locator(".legend")).to_contain_text("modelarts")
    with page.expect_download() as statement:
        page.get_by_role("link", name="CSV").first.click()
    assert job_id in Path(statement.value.path()).read_text()

    offer = admin.post("/v1/admin/package-offers", json={
        "name": f"h100-{name}", "accelerator": "nvidia-h100", "card_hours": "5", "price": "10.00", "valid_days": 30})
    assert offer.status_code == 201, offer.text
    page.reload()
    page.get_by_label("Buy a package").select_option(offer.json()["id"])
    page.get_by_role("button", name="Buy").click()
    expect(page.get_by_role("status")).to_have_text("Package bought.")
    expect(page.get_by_role("img", name="5.00 of 5.00 card-hours left")).to_be_visible()
    assert [p["offer_id"] for p in tenant.get("/v1/packages").json()["items"]] == [offer.json()["id"]]
    check_labels(page)
    check_accessibility(page, axe)
    shot(page, "spend")

    wait_for(lambda: any(b"job.succeeded" in r.body for r in receiver.requests), what="the job.succeeded webhook")

    def delivered_shown() -> bool:
        page.goto("/console/notifications")
        return page.locator("table.deliveries tr", has_text="job.succeeded").filter(has_text="delivered").count() > 0
    wait_for(delivered_shown, what="the job.succeeded delivery on the notifications page")
    expect(page.locator("table.deliveries")).to_contain_text("204")
    check_labels(page)
    check_accessibility(page, axe)
    shot(page, "notifications")

    page.set_viewport_size(NARROW)
    for path, name in (("/console/jobs", "jobs-390"), (f"/console/jobs/{job_id}", "job-390"),
                       ("/console/new", "new-job-390"), ("/console/spend", "spend-390")):
        page.goto(path)
        fits(page, NARROW["width"])
        check_accessibility(page, axe)
        shot(page, name)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    assert tenant.headers["Authorization"].removeprefix("Bearer ") not in stack.log_tail("gateway", lines=100_000)
    page.goto(f"/console/jobs/{job_id}")
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    expect(page.get_by_label("API key or operator token")).to_be_visible()


def test_a_wrong_key_is_refused(page, stack, axe):
    page.goto("/console/sign-in")
    page.get_by_label("API key or operator token").fill("sy_live_not-a-key")
    with page.expect_response(lambda r: r.url.endswith("/console/sign-in") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    assert "sy_live_not-a-key" not in page.content()
    check_accessibility(page, axe)
    shot(page, "sign-in-refused")
    page.goto("/console/jobs")
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))


def test_a_form_without_its_csrf_token_is_refused(page, tenant):
    sign_in(page, tenant.headers["Authorization"].removeprefix("Bearer "))
    expect(page).to_have_url(re.compile(r"/console/jobs$"))
    refused = page.request.post("/console/new", form={"name": "x", "image": "i", "accelerator": "cpu", "count": "1"})
    assert refused.status == 403
    assert tenant.get("/v1/jobs").json()["items"] == []


def test_a_second_tenant_never_sees_the_first_ones_jobs(page, admin, tenant, stack):
    submitted = tenant.post("/v1/jobs", json={
        "kind": "training", "name": "first-tenants-job", "image": "img:1", "command": "python t.py",
        "resources": {"accelerator": "ascend-910b", "count": 1}, "env": {"SWITCHYARD_SIM_RUN_SECONDS": "5"}})
    assert submitted.status_code == 202, submitted.text
    first_job = submitted.json()["id"]
    other = admin.post("/v1/admin/tenants", json={"name": f"other-{uuid.uuid4().hex[:6]}"}).json()

    sign_in(page, other["api_key"])
    expect(page).to_have_url(re.compile(r"/console/jobs$"))
    expect(page.locator("#job-rows")).to_contain_text("No jobs")
    assert first_job not in page.content() and "first-tenants-job" not in page.content()
    answer = page.goto(f"/console/jobs/{first_job}")
    assert answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert "first-tenants-job" not in page.content()
    assert page.request.get(f"/console/jobs/{first_job}/logs.txt").status == 404


def test_the_operator_view_refuses_a_tenant_key_and_opens_with_the_operator_token(page, admin, tenant, axe):
    # A job held in the queue by its tenant's limit, for the operator's queue.
    assert admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/limits", json={"max_concurrent_jobs": 0}).status_code == 200
    held = tenant.post("/v1/jobs", json={
        "kind": "training", "name": "held-by-its-limit", "image": "img:1", "command": "python t.py",
        "resources": {"accelerator": "ascend-910b", "count": 1}}).json()
    wait_for(lambda: tenant.get(f"/v1/jobs/{held['id']}").json()["queue"], what="the job in the queue")
    queued = admin.get("/v1/admin/queue").json()["items"]
    assert any(q["job_id"] == held["id"] and q["reason"] == "quota" for q in queued), queued

    sign_in(page, tenant.headers["Authorization"].removeprefix("Bearer "))
    expect(page).to_have_url(re.compile(r"/console/jobs$"))
    answer = page.goto("/console/operator")
    assert answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("needs the operator token")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "e2e-admin-token")
    expect(page).to_have_url(re.compile(r"/console/operator$"))
    expect(page.get_by_role("heading", name="Tenants")).to_be_visible()
    expect(page.get_by_text(tenant.tenant_id)).to_be_visible()
    expect(page.get_by_text("modelarts: healthy")).to_be_visible()
    expect(page.locator("details[open] table")).to_contain_text("modelarts.vm.snt9.1card")
    queue_row = page.locator("#queue tr", has_text="held-by-its-limit")
    expect(queue_row).to_contain_text("quota")
    month = datetime.now(UTC).strftime("%Y-%m")
    days = admin.get("/v1/admin/margins", params={"month": month}).json()["by_vendor_day"]
    expect(page.locator("#margins-by-day tbody tr")).to_have_count(len(days))  # one row per day and vendor
    for day in days:
        expect(page.locator("#margins-by-day")).to_contain_text(day["day"])
    page.locator(f"#amount-{tenant.tenant_id}").fill("5.00")
    page.locator(f"#amount-{tenant.tenant_id}").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Credited")
    assert tenant.get("/v1/balance").json()["balance"] == "105.00"
    page.locator(f"#jobs-{tenant.tenant_id}").fill("3")
    page.locator(f"#jobs-{tenant.tenant_id}").press("Enter")
    expect(page.get_by_role("status")).to_have_text("Limits set.")
    assert admin.get(f"/v1/admin/tenants/{tenant.tenant_id}/limits").json()["max_concurrent_jobs"] == 3
    page.get_by_label("New tenant's name").fill(f"made-in-console-{uuid.uuid4().hex[:6]}")
    page.get_by_role("button", name="Create tenant").click()
    expect(page.locator(".secret")).to_contain_text("sy_")
    check_labels(page)
    check_accessibility(page, axe)
    shot(page, "operator")
    assert page.goto("/console/jobs").status == 403  # the operator has no tenant's pages
    assert tenant.post(f"/v1/jobs/{held['id']}/cancel").status_code == 202


def test_a_job_is_cancelled_from_its_page_after_a_confirmation(strict_page, tenant):
    page = strict_page
    sign_in(page, tenant.headers["Authorization"].removeprefix("Bearer "))
    expect(page.locator("#job-rows")).to_contain_text("No jobs")
    submitted = tenant.post("/v1/jobs", json={
        "kind": "training", "name": "cancelled-in-console", "image": "img:1", "command": "python t.py",
        "resources": {"accelerator": "ascend-910b", "count": 1}, "env": {"SWITCHYARD_SIM_RUN_SECONDS": "600"}})
    job_id = submitted.json()["id"]
    row = page.locator(f'tr[data-job-id="{job_id}"]')
    expect(row).to_contain_text("RUNNING", timeout=LIVE_TIMEOUT_MS)  # appeared and moved on, without a reload
    page.get_by_label("Status").select_option("SUCCEEDED")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#job-rows")).to_contain_text("No jobs")
    page.get_by_label("Status").select_option("RUNNING")
    page.get_by_label("Kind").select_option("training")
    page.get_by_role("button", name="Filter").click()
    expect(row).to_be_visible()
    page.get_by_label("Kind").select_option("notebook")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#job-rows")).to_contain_text("No jobs")

    opened = page.goto(f"/console/jobs/{job_id}")
    assert "script-src 'self'" in opened.headers["content-security-policy"]
    expect(page.locator("#summary-title .badge")).to_have_text("RUNNING")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("#summary-title .badge")).to_have_text("STOPPED", timeout=LIVE_TIMEOUT_MS)
    assert asked and "cancelled-in-console" in asked[0]
    expect(page.get_by_role("button", name="Cancel job")).to_have_count(0)


def test_revoking_the_key_a_session_was_opened_with_ends_it(page, tenant):
    second = tenant.post("/v1/api-keys", json={"name": "console"}).json()
    sign_in(page, second["api_key"])
    expect(page).to_have_url(re.compile(r"/console/jobs$"))
    assert tenant.delete(f"/v1/api-keys/{second['id']}").status_code == 204
    page.goto("/console/spend")
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))


def test_an_inference_service_is_opened_and_called_from_its_page(strict_page, tenant):
    page = strict_page
    submitted = tenant.post("/v1/jobs", json={
        "kind": "inference", "name": "served-in-console", "image": "swr.cn-north-4.myhuaweicloud.com/team/s:1",
        "model": "0e07b41b-173e-42db-8c16-8e1b44cc0d44", "replicas": 1,
        "resources": {"accelerator": "nvidia-p4", "count": 1}})  # ModelArts alone offers P4 inference
    job_id = submitted.json()["id"]
    sign_in(page, tenant.headers["Authorization"].removeprefix("Bearer "))
    page.goto(f"/console/jobs/{job_id}")
    opened = page.get_by_role("link", name="Open http")
    expect(opened).to_be_visible(timeout=LIVE_TIMEOUT_MS)  # shown once its vendor lists it, without a reload
    endpoints = wait_for(lambda: tenant.get(f"/v1/jobs/{job_id}").json()["endpoints"], what="its endpoints")
    assert opened.get_attribute("href") == endpoints[0]["url"]
    page.get_by_label("JSON body").fill('{"instances": [[0.1, 0.2]]}')
    page.get_by_role("button", name="Send").click()
    answer = page.locator("#invoke-answer")
    expect(answer).to_contain_text("Answered 200")
    expect(answer).to_contain_text("model-0e07b41b")
    page.get_by_label("JSON body").fill("not json")
    page.get_by_role("button", name="Send").click()
    expect(answer.get_by_role("alert")).to_contain_text("not JSON")
    assert tenant.get(f"/v1/jobs/{job_id}").json()["invocations"]["count"] == 1
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202


def test_a_webhook_is_tested_replayed_and_its_secret_rotated_from_notifications(page, tenant, receiver):
    created = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["job.succeeded"]}).json()
    sign_in(page, tenant.headers["Authorization"].removeprefix("Bearer "))
    page.goto("/console/notifications")
    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_role("status")).to_have_text("Test message sent.")
    wait_for(lambda: receiver.requests, what="the test message")

    page.get_by_role("button", name="Rotate the secret").click()
    shown = page.locator("#new-secret")
    expect(shown).to_contain_text("whsec_")
    assert shown.inner_text() != created["secret"]
    page.goto("/console/notifications")
    expect(page.locator("#new-secret")).to_have_count(0)  # shown once

    page.get_by_label("Replay the last hours").fill("1")
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_contain_text("deliveries queued again")
    page.get_by_label("Replay the last hours").fill("0")
    assert page.get_by_label("Replay the last hours").evaluate("field => field.validity.rangeUnderflow")
