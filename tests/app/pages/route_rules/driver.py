"""Access rules of the driver app, rescues, cover, the backbone's board and the calendar feed.

``build_values`` gives the walk real objects: a published route of the demo
driver (driver@) with a pending pickup {stop}, a delivered stop {delivered_stop},
the driver's own shift {shift}, another driver's shift asking for cover
{cover_shift}, an open rescue {open_rescue}, one the driver took {taken_rescue}
and the driver's calendar token {calendar_token}. Posts that succeed for the
driver (303) change only these objects, in an order (endpoints sorted) that
keeps the later ones meaningful: request_cover runs before withdraw_cover.
"""
from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from tests.app.pages.route_rules import BACKBONE_STAFF, PUBLIC

DRIVERS = {"driver"}

RULES = {
    # An empty JSON body is a 400 once the driver check has passed.
    "driver.actions": ("POST", "/driver/actions", DRIVERS, {400}),
    "driver.index": ("GET", "/driver/", DRIVERS, {200}),
    "driver.service_worker": ("GET", "/driver/sw.js", PUBLIC, {200}),
    # An empty form has no action id: 422, the stop stays pending.
    "driver.stop_action": ("POST", "/driver/stops/{stop}/arrived", DRIVERS, {422}),
    # The stop has no photo: 404 for those who may see it, 403/404 for the rest.
    "driver.stop_photo": ("GET", "/driver/stops/{stop}/photo", DRIVERS | BACKBONE_STAFF, {404}),
    "driver.correct": ("GET", "/driver/stops/{delivered_stop}/correct", BACKBONE_STAFF, {200}),
    "driver.shifts": ("GET", "/driver/shifts", DRIVERS, {200}),
    "driver.request_cover": ("POST", "/driver/shifts/{shift}/cover-request", DRIVERS, {303}),
    "driver.withdraw_cover": ("POST", "/driver/shifts/{shift}/cover-request/withdraw", DRIVERS, {303}),
    "driver.cover": ("POST", "/driver/shifts/{cover_shift}/cover", DRIVERS, {303}),
    "driver.take_rescue": ("POST", "/driver/rescues/{open_rescue}/take", DRIVERS, {303}),
    "driver.release_rescue": ("POST", "/driver/rescues/{taken_rescue}/release", DRIVERS, {303}),
    "driver.offer_rescue": ("GET", "/driver/rescues/new", BACKBONE_STAFF, {200}),
    "driver.withdraw_rescue": ("POST", "/driver/rescues/{open_rescue}/withdraw", BACKBONE_STAFF, {303}),
    "driver.board": ("GET", "/driver/board", BACKBONE_STAFF, {200}),
    "driver.calendar": ("GET", "/driver/calendar", DRIVERS, {200}),
    # The secret token is the feed's only credential: calendar apps cannot sign in.
    "driver.calendar_feed": ("GET", "/driver/calendar/{calendar_token}.ics", PUBLIC, {200}),
    # A late pickup of driver@'s {no_show}: only its driver answers; an empty answer is 422, nothing changes.
    "driver.no_show_question": ("GET", "/driver/no-shows/{no_show}/question", DRIVERS, {200}),
    "driver.answer_no_show": ("POST", "/driver/no-shows/{no_show}/answer", DRIVERS, {422}),
    # The coordinators' side: the alert, its one-tap actions, the missed record and the reliability history.
    "driver.no_shows_index": ("GET", "/driver/no-shows", BACKBONE_STAFF, {200}),
    "driver.missed_csv": ("GET", "/driver/no-shows/missed.csv", BACKBONE_STAFF, {200}),
    "driver.no_show": ("GET", "/driver/no-shows/{no_show}", BACKBONE_STAFF, {200}),
    # No reason: 422 and nothing recorded. No route chosen: 422, no re-plan started.
    "driver.miss_no_show": ("POST", "/driver/no-shows/{no_show}/missed", BACKBONE_STAFF, {422}),
    "driver.replan_no_show": ("POST", "/driver/no-shows/{no_show}/replan", BACKBONE_STAFF, {422}),
    # Offered as a rescue (303); run after the posts above (endpoints sorted), it is the last to touch {no_show}.
    "driver.rescue_no_show": ("POST", "/driver/no-shows/{no_show}/rescue", BACKBONE_STAFF, {303}),
    # Coordinators only: the driver themself, other drivers and partners are refused.
    "driver.reliability": ("GET", "/driver/reliability/{driver_user}", BACKBONE_STAFF, {200}),
}


def build_values(session, values: dict) -> dict:
    from coalition.models import DriverAnswer, NoShow
    from coalition.services import driving, rescues
    from tests.fixtures import driving as f

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    driver = f.user(session, "driver@example.org")
    route = f.make_route(session, now)
    done = f.make_route(session, now)
    pickup, delivery = done.stops
    driving.pick_up(session, driver, pickup.id, uuid.uuid4().hex, now, {"kg": 10}, now)
    driving.deliver(session, driver, delivery.id, uuid.uuid4().hex, now, {"kg": 10, "receiver_name": "Sam"}, now)
    other = f.make_shift(session, now, driver="driver1@example.org")
    rescues.request_cover(session, other.driver, other.id, "flu", now)
    coordinator = f.user(session, "coordinator@example.org")
    today = f.local_today(now)
    offered = rescues.offer_rescue(session, coordinator, [f.make_claim(session, now).id], "", today, now)
    taken = rescues.offer_rescue(session, coordinator, [f.make_claim(session, now).id], "", today, now)
    rescues.take_rescue(session, driver, taken.id, ZoneInfo("America/Los_Angeles"), now)
    late = f.make_route(session, now).stops[0]
    no_show = NoShow(claim_id=late.claim_id, driver_id=driver.id, stop_id=late.id, due_at=now, flagged_at=now,
                     answer=DriverAnswer.NONE, escalation_reason="", missed_reason="")
    session.add(no_show)
    session.commit()
    return {"stop": route.stops[0].id, "delivered_stop": delivery.id, "shift": route.shift_id,
            "cover_shift": other.id, "open_rescue": offered.id, "taken_rescue": taken.id,
            "calendar_token": rescues.calendar_token(driver), "no_show": no_show.id, "driver_user": driver.id}
