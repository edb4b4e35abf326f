"""Access rules of communication: announcements (to the shelters), meetings, action items, inboxes, e-mail rhythm."""
import datetime as dt

from sqlalchemy import select

from tests.app.pages.route_rules import BACKBONE_STAFF, DONOR_PEOPLE, SIGNED_IN

PARTNER_PEOPLE = SIGNED_IN - {"driver"}   # everyone who acts for an organization (drivers only drive)

RULES = {
    "communication.announcements": ("GET", "/communication/announcements/", BACKBONE_STAFF, {200}),
    "communication.new_announcement": ("GET", "/communication/announcements/new", BACKBONE_STAFF, {200}),
    # Addressed to the shelters: the shelter's admin reads it (and its receipt is recorded).
    "communication.announcement": ("GET", "/communication/announcements/{announcement}", BACKBONE_STAFF | {"shelter"}, {200}),
    "communication.inbox": ("GET", "/communication/inbox", PARTNER_PEOPLE, {302}),
    "communication.organization_inbox": ("GET", "/communication/inbox/{org}", DONOR_PEOPLE, {200}),
    "communication.meetings": ("GET", "/communication/meetings/", PARTNER_PEOPLE, {200}),
    "communication.new_meeting": ("GET", "/communication/meetings/new", BACKBONE_STAFF, {200}),
    "communication.meeting": ("GET", "/communication/meetings/{meeting}", PARTNER_PEOPLE, {200}),
    "communication.minutes": ("POST", "/communication/meetings/{meeting}/minutes", BACKBONE_STAFF, {302}),
    # Empty: refused as incomplete, so the walk assigns nothing.
    "communication.add_action": ("POST", "/communication/meetings/{meeting}/actions", BACKBONE_STAFF, {422}),
    # Assigned to the grocer's store.
    "communication.complete_action": ("POST", "/communication/actions/{action}/done", DONOR_PEOPLE | BACKBONE_STAFF, {302}),
    "communication.preferences": ("GET", "/communication/preferences", SIGNED_IN, {200}),
}


def build_values(session, values) -> dict[str, int]:
    """An announcement to the shelters, and a meeting with an action item for the grocer's store."""
    from coalition.models import Audience, User
    from coalition.services import communication

    now = dt.datetime.now(dt.timezone.utc)
    backbone = session.scalar(select(User).where(User.email == "backbone@example.org"))
    announcement = communication.post_announcement(session, backbone, "Walk", "Permission walk.", Audience.KIND,
                                                   "shelter", now)
    meeting = communication.create_meeting(session, backbone, "Walk meeting", now, "", now)
    item = communication.assign_action_item(session, backbone, meeting, values["org"], "Walk item",
                                            now.date() + dt.timedelta(days=3), now)
    session.commit()
    return {"announcement": announcement.id, "meeting": meeting.id, "action": item.id}
