"""Importing partners from a spreadsheet: `flask partners import`, the preview and the all-or-nothing rule."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coalition.models import Invitation, Organization, OrganizationKind
from coalition.services import partner_import
from coalition.services.geocoding import GeocoderSettings

HEADER = "name,kind,address,lat,lon,phone,admin_email,hours_mon,hours_sat\n"
GOOD = (HEADER
        + "Morrison Street Market,grocery,\"1200 SE Morrison St, Portland, OR\",,,503-555-0101,"
          "morrison@example.org,08:00-20:00,09:00-12:00\n"
        + "Broadway Pantry,food_bank,\"4400 NE Broadway, Portland, OR\",,,,pantry@example.org,\"10:00-12:00, 14:00-18:00\",\n"
        + "Typed Farm,Farm,\"Rural Route 9, Boring, OR\",45.4301,-122.3748,,,,closed\n")


@pytest.fixture
def run_import(app, tmp_path, stand_in_geocoder):
    def _run(text: str, *extra: str):
        path = tmp_path / "partners.csv"
        path.write_text(text, encoding="utf-8")
        return app.test_cli_runner().invoke(args=["partners", "import", str(path), *extra])

    return _run


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _last_line(result) -> str:
    return result.output.strip().splitlines()[-1]


def test_a_file_of_new_partners_is_imported_geocoded_and_invited(session, run_import, stand_in_geocoder):
    before = _count(session, Organization)
    result = run_import(GOOD)
    assert result.exit_code == 0, result.output
    assert _last_line(result) == "imported 3, updated 0, failed 0"
    assert _count(session, Organization) == before + 3
    market = session.scalar(select(Organization).where(Organization.name == "Morrison Street Market"))
    assert (market.latitude, market.longitude) == (45.5171, -122.6531)
    assert market.hours == {"mon": [["08:00", "20:00"]], "sat": [["09:00", "12:00"]]}
    farm = session.scalar(select(Organization).where(Organization.name == "Typed Farm"))
    assert farm.kind is OrganizationKind.FARM and (farm.latitude, farm.longitude) == (45.4301, -122.3748)
    invited = set(session.scalars(select(Invitation.email).where(Invitation.organization_id.in_([market.id]))))
    assert invited == {"morrison@example.org"}
    assert "pantry@example.org" in result.output  # without SMTP the link is printed for the admin to pass on
    # Two addresses without coordinates were asked; the typed farm was not.
    assert [q for q, _agent in stand_in_geocoder.requests] == [
        "1200 SE Morrison St, Portland, OR", "4400 NE Broadway, Portland, OR"]


def test_importing_the_same_file_again_updates_instead_of_duplicating(session, run_import, stand_in_geocoder):
    assert run_import(GOOD).exit_code == 0
    organizations, invitations = _count(session, Organization), _count(session, Invitation)
    changed = GOOD.replace("503-555-0101", "503-555-0999")
    result = run_import(changed)
    assert result.exit_code == 0, result.output
    assert _last_line(result) == "imported 0, updated 3, failed 0"
    assert _count(session, Organization) == organizations
    assert _count(session, Invitation) == invitations  # the open invitations are not sent twice
    market = session.scalar(select(Organization).where(Organization.name == "Morrison Street Market"))
    assert market.phone == "503-555-0999"
    assert len(stand_in_geocoder.requests) == 2  # the second run kept the saved points


def test_one_failing_row_writes_nothing_and_exits_non_zero(session, run_import):
    before, invitations = _count(session, Organization), _count(session, Invitation)
    text = GOOD + "Nowhere Pantry,shelter,1 Nowhere Lane,,,,,,\n"
    result = run_import(text)
    assert result.exit_code == 1
    assert _last_line(result) == "imported 0, updated 0, failed 1"
    assert "line 5: FAILED Nowhere Pantry: No place found" in result.output
    assert _count(session, Organization) == before
    assert _count(session, Invitation) == invitations


def test_each_problem_of_a_row_is_named(session, run_import):
    text = (HEADER
            + "Main Street Shelter,shelter,100 Main St,,,,,,\n"
            + "Bad Kind,castle,\"1200 SE Morrison St, Portland, OR\",,,,not-an-email,8-5,\n"
            + "Half Point,grocery,\"Somewhere, OR\",45.5,,,,,\n"
            + "Bad Kind,grocery,\"1200 SE Morrison St, Portland, OR\",,,,,,\n"
            + "Hawthorne Green Grocer,grocery,\"9 Other St, Portland, OR\",45.5,-122.6,,,,\n")
    result = run_import(text)
    assert result.exit_code == 1
    assert _last_line(result) == "imported 0, updated 0, failed 5"
    lines = result.output.splitlines()
    assert "matches 2 places" in lines[0] and "Vancouver" in lines[0]
    assert "kind must be one of" in lines[1] and "admin_email" in lines[1] and "hours_mon" in lines[1]
    assert "lat and lon must both be decimal degrees" in lines[2]
    assert "already on line 3" in lines[3]
    assert "exists at another address" in lines[4]


def test_a_file_without_the_required_columns_fails_whole(session, run_import):
    result = run_import("title,where\nA,B\n")
    assert result.exit_code == 1
    assert "Missing column(s): name, kind, address" in result.output
    assert _last_line(result).startswith("imported 0, updated 0, failed ")


def test_cells_are_stored_as_text_never_evaluated(session, run_import):
    text = HEADER + "\"=HYPERLINK(\"\"http://x\"\")\",grocery,<b>1 Rd</b>,45.52,-122.65,+1 503,,,\n"
    result = run_import(text)
    assert result.exit_code == 0, result.output
    stored = session.scalar(select(Organization).where(Organization.address == "<b>1 Rd</b>"))
    assert stored.name == '=HYPERLINK("http://x")' and stored.phone == "+1 503"


def test_the_preview_writes_nothing(session, stand_in_geocoder):
    before = _count(session, Organization)
    settings = GeocoderSettings(url=stand_in_geocoder.url, timeout_s=1.0, min_delay_s=0.0)
    preview = partner_import.preview_import(session, settings, GOOD)
    assert [row.action for row in preview.rows] == ["create", "create", "create"]
    assert [row.located_by for row in preview.rows] == ["geocoder", "geocoder", "file"]
    assert _count(session, Organization) == before


def test_the_template_is_a_valid_import(session, stand_in_geocoder):
    settings = GeocoderSettings(url=stand_in_geocoder.url, timeout_s=1.0, min_delay_s=0.0)
    preview = partner_import.preview_import(session, settings, partner_import.template_csv())
    assert preview.ok, [row.problems for row in preview.rows]


def test_a_dry_run_lists_the_rows_and_writes_nothing(session, run_import):
    before = _count(session, Organization)
    result = run_import(GOOD, "--dry-run")
    assert result.exit_code == 0
    assert _last_line(result) == "would import 3, update 0, failed 0"
    assert _count(session, Organization) == before


def test_without_a_geocoder_rows_need_coordinates(session, app, run_import, monkeypatch):
    monkeypatch.setitem(app.config, "GEOCODER_URL", None)
    result = run_import(GOOD)
    assert result.exit_code == 1
    assert "No geocoder is set up: add lat and lon." in result.output
    assert _last_line(result) == "imported 0, updated 0, failed 2"


def test_only_a_coalition_admin_is_imported_as(session, run_import):
    result = run_import(GOOD, "--as", "grocer@example.org")
    assert result.exit_code == 1
    assert "not a coalition administrator" in result.output


def test_each_invitation_of_an_import_is_mailed_with_the_link_made_from_its_token(session, org, user):
    """The mail names the partner, the inviter, the role and the coalition; its link is the one absolute_url built."""
    import datetime as dt

    from coalition.models import Role
    from coalition.services import accounts

    now = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.timezone.utc)
    admin = user("backbone@example.org")
    invitation, token = accounts.invite(session, admin, org("Hawthorne Green Grocer"), "new.manager@example.org",
                                        Role.ADMIN, now, 7 * 86400)
    built = []

    def absolute_url(endpoint, args):
        built.append((endpoint, args))
        return f"https://coalition.example.org/accept/{args['token']}"

    [mail] = partner_import.invitation_mails([(invitation, token)], absolute_url, 7 * 86400, "Riverside Food Coalition")
    assert built == [("auth.accept_invitation", {"token": token})]
    assert mail.email == "new.manager@example.org" and mail.link == f"https://coalition.example.org/accept/{token}"
    assert mail.subject == "You are invited to Hawthorne Green Grocer on Riverside Food Coalition"
    assert mail.body == (f"{admin.display_name} invited you to join Hawthorne Green Grocer as admin.\n\n"
                         f"Accept within 7 days:\nhttps://coalition.example.org/accept/{token}\n")
