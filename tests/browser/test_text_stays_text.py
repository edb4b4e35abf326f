"""Text people write reaches other people only as text: no page, map popup or tooltip runs it as script.

The module serves its own copy of the demo coalition in which every text column people fill in
(names, addresses, notes, descriptions, announcements, meeting notes, project texts, feedback ...)
holds a script payload, and a few more payloads arrive through the real forms. Then every role
opens every page the access rules let it open, and every map marker's popup and tooltip. The
Content-Security-Policy would stop these scripts anyway, so the browser ignores it here: this
test checks that the text is never turned into markup in the first place.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from coalition.extensions import db
from coalition.models import RoutePlan
from tests.fixtures.web import ROLE_EMAILS, scratch_app
from tests.app.pages.route_rules import BACKBONE_STAFF, RULES, build_values
from tests.browser.conftest import serve, sign_in

pytestmark = pytest.mark.browser

IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
SHORT = "<svg onload=__xss=1>"  # 20 characters, for the shortest columns (a vehicle plate)
FORM_PAYLOAD = '<img src=x onerror="window.__xss=2;alert(2)"><script>window.__xss=2</script>'
SHOWN = ("<img src=x", "<script>window.__xss", "<svg onload")

# Text columns that people never type: secrets, e-mail addresses (used to sign in), codes the
# program chooses from a fixed list, file names, times, geometry and internal links or messages.
MACHINE_COLUMNS = {
    ("api_tokens", "token_digest"), ("invitations", "token_digest"), ("invitations", "email"),
    ("users", "email"), ("users", "password_hash"), ("sign_in_failures", "email"), ("sign_in_failures", "address"),
    ("audit_events", "entity"), ("audit_events", "action"), ("stop_actions", "client_action_id"),
    ("stop_actions", "action"), ("food_safety_rules", "storage"), ("food_safety_rules", "cold_chain"),
    ("goals", "indicator"), ("indicator_values", "indicator"), ("indicator_values", "unit"),
    ("donations", "photo_filename"), ("stops", "photo_filename"), ("neighborhoods", "geometry"),
    ("notifications", "link"), ("plan_drops", "reason"), ("plan_drops", "message"), ("route_plans", "zone"),
    ("route_plans", "job_id"), ("route_plans", "message"), ("recurring_schedules", "pickup_time"),
    ("shift_patterns", "start_time"), ("shift_patterns", "end_time"), ("announcements", "audience_value"),
    ("grants", "currency"), ("grants", "supports"), ("grant_spending", "currency"),
    ("users", "quiet_start"), ("users", "quiet_end"), ("geocode_results", "provider"),
    ("delivery_records", "outcome"), ("temperature_readings", "stage"), ("temperature_readings", "storage"),
    ("temperature_readings", "outcome"), ("no_shows", "escalation_reason"),
}
# Files, JSON and feeds: the browser downloads them or shows them as text, never as a page.
NOT_PAGES = (".csv", ".pdf", ".zip", ".ics", ".json", ".geojson", "/photo", "/sw.js")
NOT_PAGE_PREFIXES = ("/api/", "/static/", "/vendor/", "/healthz")

SOLVED_FIGURES = {"requests": 2, "served": 2, "dropped": [], "vehicles_used": 1, "shifts": 1, "kg_requested": 10.0,
                  "kg_moved": 10.0, "km_driven": 4.2, "volunteer_hours": 1.0, "share_served": 1.0, "valid": True,
                  "violations": []}

OPEN_EVERY_MARKER = """() => {
  const shown = [];
  document.querySelectorAll(".leaflet-container path.leaflet-interactive").forEach(path => {
    const box = path.getBoundingClientRect();
    const at = {bubbles: true, cancelable: true, view: window, clientX: box.x + box.width / 2,
                clientY: box.y + box.height / 2};
    path.dispatchEvent(new MouseEvent("mouseover", at));
    path.dispatchEvent(new MouseEvent("click", at));
    const open = document.querySelectorAll(".leaflet-popup-content, .leaflet-tooltip");
    shown.push(Array.from(open).map(element => element.textContent).join(" | "));
    path.dispatchEvent(new MouseEvent("mouseout", at));
  });
  return shown;
}"""


def people_text_columns() -> list[sa.Column]:
    """Every String or Text column of every mapped model, apart from the machine fields above."""
    columns = []
    for mapper in db.Model.registry.mappers:
        for column in mapper.columns:
            if not isinstance(column.type, sa.String) or isinstance(column.type, sa.Enum):
                continue
            if (column.table.name, column.name) not in MACHINE_COLUMNS:
                columns.append(column)
    return sorted(set(columns), key=lambda c: (c.table.name, c.name))


def payload_for(length: int | None) -> str:
    """The longest payload that fits ``length`` characters with room for a ' #<id>' suffix."""
    for text in (IMG + SCRIPT, IMG):
        if length is None or len(text) + 9 <= length:
            return text
    return SHORT[:length]


def write_payloads(session) -> tuple[int, int]:
    """Overwrite every people-written text column of every row with a payload; returns (columns, values)."""
    columns = people_text_columns()
    written = 0
    for column in columns:
        table = column.table
        key = list(table.primary_key.columns)[0]
        text = payload_for(column.type.length)
        value = sa.literal(text) if text == SHORT else sa.literal(text + " #") + sa.cast(key, sa.String)
        written += session.execute(sa.update(table).values({column.name: value})).rowcount
    return len(columns), written


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo coalition with a payload in every people-written text field, and the ids the access rules use."""
    with scratch_app("hostile", tmp_path_factory.mktemp("hostile-instance")) as application:
        with application.app_context():
            values = build_values(db.session)  # looks up demo names, so before they are overwritten
            plans = []
            for plan in db.session.scalars(sa.select(RoutePlan)):
                # The factories' plans were never solved; give them the figures a solve records.
                plan.figures = plan.figures or SOLVED_FIGURES
                plans.append(plan.id)
            columns, written = write_payloads(db.session)
            db.session.commit()
            db.session.remove()
        with serve(application) as url:
            yield {"url": url, "values": values, "plans": plans, "columns": columns, "written": written}


@pytest.fixture
def app_url(hostile):
    return hostile["url"]


def pages_for(role: str, values: dict, plans: list[int]) -> list[str]:
    """Every HTML page the access rules let ``role`` open (a redirect counts: it lands on a page)."""
    paths = []
    for method, template, roles, statuses in RULES.values():
        if method != "GET" or role not in roles or not statuses & {200, 302}:
            continue
        path = template.format(**values)
        if not path.endswith(NOT_PAGES) and not path.startswith(NOT_PAGE_PREFIXES):
            paths.append(path)
    if role in BACKBONE_STAFF:
        paths += [f"/planning/plans/{plan}" for plan in plans]  # the access rules walk only a missing plan
    return sorted(set(paths))


def post_through_forms(page: Page, values: dict) -> int:
    """Payloads typed into real forms by the backbone: an announcement, meeting minutes, a partner's name."""
    sign_in(page, ROLE_EMAILS["backbone"])
    page.goto("/communication/announcements/new")
    page.get_by_label("Title").fill(FORM_PAYLOAD)
    page.get_by_label("Message").fill(FORM_PAYLOAD)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(FORM_PAYLOAD).first).to_be_visible()
    page.goto(f"/communication/meetings/{values['meeting']}")
    for label in ("Agenda", "Notes", "Decisions"):
        page.get_by_label(label, exact=True).fill(FORM_PAYLOAD)
    page.get_by_role("button", name="Save minutes").click()
    expect(page.get_by_text(FORM_PAYLOAD).first).to_be_visible()
    page.goto(f"/organizations/{values['org']}/edit")
    page.get_by_label("Name", exact=True).fill(FORM_PAYLOAD + " grocer")
    page.get_by_label("Street address").fill(FORM_PAYLOAD)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=FORM_PAYLOAD + " grocer")).to_be_visible()
    return 7


def visit_as(page: Page, role: str, paths: list[str]) -> tuple[int, int, list[str]]:
    """Open each page and every map marker on it; returns (pages showing a payload as text, markers, failures)."""
    failures: list[str] = []
    page.on("dialog", lambda dialog: (failures.append(f"{page.url}: a dialog opened as {role}: {dialog.message}"),
                                      dialog.dismiss()))
    showing, markers = 0, 0
    for path in paths:
        page.goto(path)
        opened = page.evaluate(OPEN_EVERY_MARKER)
        markers += len(opened)
        failures += [f"{path}: marker {i} opened no popup or tooltip showing its text as {role}: {text!r}"
                     for i, text in enumerate(opened) if not any(mark in text for mark in SHOWN)]
        if opened:
            page.wait_for_timeout(200)  # an <img> made from a popup would fail to load and fire by now
        if page.evaluate("window.__xss"):
            failures.append(f"{path}: a payload ran as {role}")
        body = page.evaluate("document.body.innerText")
        showing += any(mark in body for mark in SHOWN)
    return showing, markers, failures


def test_text_people_write_never_runs_as_script_on_any_page_or_map(hostile, new_context):
    """Every role opens every page it may and every marker on them: no dialog opens and no payload sets a flag."""
    forms = post_through_forms(new_context(bypass_csp=True).new_page(), hostile["values"])
    failures, pages, showing, markers = [], 0, 0, 0
    for role in ["anonymous", *ROLE_EMAILS]:
        page = new_context(bypass_csp=True).new_page()
        if role != "anonymous":
            sign_in(page, ROLE_EMAILS[role])
        paths = pages_for(role, hostile["values"], hostile["plans"])
        role_showing, role_markers, role_failures = visit_as(page, role, paths)
        pages, showing, markers, failures = (pages + len(paths), showing + role_showing, markers + role_markers,
                                             failures + role_failures)
    print(f"\n{hostile['columns']} text columns ({hostile['written']} values) and {forms} form fields hold payloads; "
          f"{pages} page visits ({showing} showing a payload as text), {markers} map markers opened")
    assert not failures, "\n".join(failures)
    assert showing > pages // 2, "the payloads should be visible as text on most pages"
    assert markers > 50, "the maps should have had markers to open"
