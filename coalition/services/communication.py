"""Continuous communication: announcements with read receipts, meetings and their action items,
reminders of overdue items, each organization's inbox, and e-mail at once or in a daily digest.

Every message to an organization also becomes an in-app notification for its
people (through :mod:`coalition.services.notifications`, so each person's
per-kind choices hold). Who wants a daily digest gets those e-mails held back
(``send_email`` off) and sent together by :func:`send_digests`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import (
    ActionItem,
    Announcement,
    AnnouncementReceipt,
    Audience,
    CommunicationPreference,
    Meeting,
    Notification,
    NotificationKind,
    Organization,
    OrganizationKind,
    User,
)
from coalition.services import notifications
from coalition.services.notifications import Page
from coalition.services.mail import MailSettings, send_mail

# The kinds of notification that belong to coordination (and so may go into the digest).
COORDINATION_KINDS = (NotificationKind.ANNOUNCEMENT, NotificationKind.ACTION_ITEM, NotificationKind.ACTION_REMINDER,
                      NotificationKind.DETAILS_CHECK, NotificationKind.PROJECT)


# --- delivery: immediate or daily digest ----------------------------------------------------

def get_preference(session: Session, user: User) -> CommunicationPreference:
    """This person's e-mail rhythm (an unsaved default row, immediate, when they never chose)."""
    return session.get(CommunicationPreference, user.id) or CommunicationPreference(user_id=user.id, daily_digest=False)


def set_daily_digest(session: Session, user: User, daily_digest: bool) -> CommunicationPreference:
    preference = session.get(CommunicationPreference, user.id)
    if preference is None:
        preference = CommunicationPreference(user_id=user.id)
        session.add(preference)
    preference.daily_digest = daily_digest
    session.flush()
    return preference


def notify_organization(session: Session, organization: Organization, kind: NotificationKind, title: str, body: str,
                        page: Page | None, now: dt.datetime) -> list[Notification]:
    """Notify the organization's people; for those on the daily digest, hold the e-mail for the digest."""
    created = notifications.notify_organization(session, organization, kind, title, body, page, now)
    if created:
        digest_users = set(session.scalars(select(CommunicationPreference.user_id).where(
            CommunicationPreference.user_id.in_([n.user_id for n in created]),
            CommunicationPreference.daily_digest.is_(True))))
        for notification in created:
            if notification.user_id in digest_users:
                notification.send_email = False
        session.flush()
    return created


def send_digests(session: Session, settings: MailSettings, mail_url: notifications.MailUrl, now: dt.datetime,
                 tz: ZoneInfo, digest_hour: int) -> int:
    """Once a local day, after ``digest_hour``, e-mail each digest reader one message listing the coordination
    notifications not yet e-mailed (for kinds they get by e-mail). Returns how many digests were sent.

    Without SMTP nothing is sent or marked, so the digest goes out once mail is configured.
    """
    if not settings.server:
        return 0
    local_now = now.astimezone(tz)
    if local_now.hour < digest_hour:
        return 0
    todays_digest = dt.datetime.combine(local_now.date(), dt.time(digest_hour), tz).astimezone(dt.timezone.utc)
    sent = 0
    for preference in session.scalars(select(CommunicationPreference).where(
            CommunicationPreference.daily_digest.is_(True)).order_by(CommunicationPreference.user_id)):
        if preference.last_digest_at is not None and preference.last_digest_at >= todays_digest:
            continue
        user = session.get(User, preference.user_id)
        if user is None or not user.active:
            continue
        wanted = [k for k, choice in notifications.get_preferences(session, user).items()
                  if choice.email and k in COORDINATION_KINDS]
        pending = list(session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.kind.in_(wanted), Notification.emailed_at.is_(None),
            Notification.send_email.is_(False)).order_by(Notification.created_at, Notification.id)))
        if not pending:
            continue
        lines = []
        for notification in pending:
            link = notifications.mail_link(notification, mail_url)
            lines.append(f"* {notification.title}\n  {notification.body}\n  {link}".rstrip())
        body = ("Your daily digest from the coalition:\n\n" + "\n\n".join(lines)
                + "\n\nChange how you receive these in your communication preferences.")
        subject = f"Daily digest: {len(pending)} message{'s' if len(pending) != 1 else ''} from the coalition"
        if send_mail(settings, user.email, subject, body):
            for notification in pending:
                notification.emailed_at = now
            preference.last_digest_at = now
            sent += 1
    session.flush()
    return sent


# --- announcements ---------------------------------------------------------------------------

def audience_organizations(session: Session, audience: Audience, value: str) -> tuple[list[Organization], str]:
    """The active partner organizations (never the backbone itself) an audience addresses, and its label.

    ``value`` is an organization kind's value for ``KIND``, a neighborhood id for ``NEIGHBORHOOD``
    (organizations whose site lies inside its polygon). Raises ValidationError naming ``audience_value``.
    """
    partners = list(session.scalars(select(Organization).where(
        Organization.active.is_(True), Organization.kind != OrganizationKind.BACKBONE).order_by(Organization.name)))
    if audience is Audience.ALL:
        return partners, "All partners"
    if audience is Audience.KIND:
        try:
            kind = OrganizationKind(value)
        except ValueError:
            raise ValidationError("Choose a kind of partner.", {"audience_value": "Choose a kind of partner."}) from None
        return [o for o in partners if o.kind is kind], f"{kind.label}s"
    from coalition.services import geo  # only geo knows polygons

    try:
        neighborhood = geo.get_neighborhood(session, int(value))
    except (ValueError, NotFound):
        raise ValidationError("Choose a neighborhood.", {"audience_value": "Choose a neighborhood."}) from None
    inside = [o for o in partners if o.has_location
              and geo.neighborhood_id_at(session, o.latitude, o.longitude) == neighborhood.id]
    return inside, f"Partners in {neighborhood.name}"


def audience_choices(session: Session) -> list[tuple[str, str]]:
    """The groups an announcement can go to, as ``(value, label)``: everyone, each kind, each neighborhood."""
    from coalition.services import geo

    choices = [("all", "All partners")]
    choices += [(f"kind:{k.value}", f"{k.label}s") for k in OrganizationKind if k is not OrganizationKind.BACKBONE]
    choices += [(f"neighborhood:{n.id}", f"Partners in {n.name}") for n in geo.list_neighborhoods(session)]
    return choices


def parse_audience(value: str | None) -> tuple[Audience, str]:
    """``"all"``, ``"kind:<kind>"`` or ``"neighborhood:<id>"`` as an audience and its value."""
    name, _, rest = (value or "").partition(":")
    try:
        return Audience(name), rest
    except ValueError:
        raise ValidationError("Choose who receives it.", {"audience_value": "Choose who receives it."}) from None


def post_announcement(session: Session, actor: User, title: str, body: str, audience: Audience, audience_value: str,
                      now: dt.datetime) -> Announcement:
    """Send an announcement to an audience: one receipt per addressed organization, a notification for its people.

    Raises PermissionDenied unless the backbone, ValidationError for an empty title or body or an audience
    that reaches nobody.
    """
    if not permissions.can_broadcast(actor):
        raise PermissionDenied("Only the backbone sends announcements.")
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Give the announcement a title."
    elif len(title) > 200:
        errors["title"] = "At most 200 characters."
    if not body:
        errors["body"] = "Write the message."
    elif len(body) > 20_000:
        errors["body"] = "At most 20,000 characters."
    try:
        organizations, label = audience_organizations(session, audience, audience_value)
    except ValidationError as error:
        errors.update(error.fields)
        organizations, label = [], ""
    if not errors and not organizations:
        errors["audience_value"] = "No active partner is in this group."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    announcement = Announcement(title=title, body=body, audience=audience, audience_value=audience_value or "",
                                audience_label=label, author_id=actor.id, created_at=now)
    announcement.receipts = [AnnouncementReceipt(organization_id=o.id) for o in organizations]
    session.add(announcement)
    session.flush()
    preview = body if len(body) <= 300 else body[:297] + "..."
    for organization in organizations:
        notify_organization(session, organization, NotificationKind.ANNOUNCEMENT, f"Announcement: {title}", preview,
                            Page("communication.announcement", {"announcement_id": announcement.id}), now)
    return announcement


def get_announcement(session: Session, announcement_id: int) -> Announcement:
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound("There is no such announcement.")
    return announcement


def list_announcements(session: Session, limit: int = 100) -> list[Announcement]:
    return list(session.scalars(select(Announcement).order_by(Announcement.created_at.desc(), Announcement.id.desc())
                                .limit(limit)))


def mark_announcement_read(session: Session, actor: User, announcement: Announcement, now: dt.datetime) -> int:
    """Record that the actor read it, for each addressed organization they act for that had not read it yet.

    The first reader of an organization is its receipt; the reader's notification of it is marked read.
    Returns how many receipts and notifications changed.
    """
    mine = {o.id for o in permissions.acting_organizations(actor)}
    changed = 0
    for receipt in announcement.receipts:
        if receipt.organization_id in mine and receipt.read_at is None:
            receipt.read_at, receipt.read_by_id = now, actor.id
            changed += 1
    # The reader's own notification of it is read too.
    # (Its id sits in the link's JSON arguments, which databases compare differently: matched here.)
    for notification in session.scalars(select(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None),
            Notification.link_endpoint == "communication.announcement")):
        if notification.link_args.get("announcement_id") == announcement.id:
            notification.read_at = now
            changed += 1
    session.flush()
    return changed


@dataclass
class Receipts:
    read: list[AnnouncementReceipt]
    unread: list[AnnouncementReceipt]


def receipts_of(announcement: Announcement) -> Receipts:
    ordered = sorted(announcement.receipts, key=lambda r: r.organization.name)
    return Receipts([r for r in ordered if r.read_at is not None], [r for r in ordered if r.read_at is None])


# --- meetings and action items -----------------------------------------------------------

def clean_text(value: str | None, name: str, limit: int, errors: dict, required: bool = False) -> str:
    """``value`` stripped; a missing required text or one over ``limit`` characters adds its message to
    ``errors[name]`` (the caller raises one ValidationError for all its fields)."""
    text = (value or "").strip()
    if required and not text:
        errors[name] = "This is required."
    elif len(text) > limit:
        errors[name] = f"At most {limit:,} characters."
    return text


def create_meeting(session: Session, actor: User, title: str, starts_at: dt.datetime | None, agenda: str,
                   now: dt.datetime) -> Meeting:
    if not permissions.can_manage_meetings(actor):
        raise PermissionDenied("Only the backbone schedules coalition meetings.")
    errors: dict[str, str] = {}
    title = clean_text(title, "title", 200, errors, required=True)
    agenda = clean_text(agenda, "agenda", 20_000, errors)
    if starts_at is None:
        errors["starts_at"] = "When does it start?"
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    meeting = Meeting(title=title, starts_at=starts_at, agenda=agenda, created_by_id=actor.id, created_at=now)
    session.add(meeting)
    session.flush()
    return meeting


def record_minutes(session: Session, actor: User, meeting: Meeting, agenda: str, notes: str, decisions: str) -> Meeting:
    """Save the agenda, notes and decisions of a meeting."""
    if not permissions.can_manage_meetings(actor):
        raise PermissionDenied("Only the backbone writes the minutes.")
    errors: dict[str, str] = {}
    agenda = clean_text(agenda, "agenda", 20_000, errors)
    notes = clean_text(notes, "notes", 50_000, errors)
    decisions = clean_text(decisions, "decisions", 20_000, errors)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    meeting.agenda, meeting.notes, meeting.decisions = agenda, notes, decisions
    session.flush()
    return meeting


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no such meeting.")
    return meeting


def list_meetings(session: Session) -> list[Meeting]:
    return list(session.scalars(select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc())))


def assign_action_item(session: Session, actor: User, meeting: Meeting, organization_id: int | None, description: str,
                       due_on: dt.date | None, now: dt.datetime) -> ActionItem:
    """Assign something to do by a date to a partner organization; its people are notified."""
    if not permissions.can_manage_meetings(actor):
        raise PermissionDenied("Only the backbone assigns action items.")
    errors: dict[str, str] = {}
    description = clean_text(description, "description", 300, errors, required=True)
    organization = session.get(Organization, organization_id) if organization_id else None
    if organization is None or not organization.active:
        errors["organization_id"] = "Choose an active organization."
    if due_on is None:
        errors["due_on"] = "By when?"
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    item = ActionItem(meeting=meeting, organization_id=organization.id, description=description, due_on=due_on,
                      created_at=now)
    session.add(item)
    session.flush()
    notify_organization(session, organization, NotificationKind.ACTION_ITEM, f"Action item: {description}",
                        f"From \u201c{meeting.title}\u201d, due {due_on:%a %d %b %Y}.",
                        Page("communication.organization_inbox", {"organization_id": organization.id}), now)
    return item


def get_action_item(session: Session, item_id: int) -> ActionItem:
    item = session.get(ActionItem, item_id)
    if item is None:
        raise NotFound("There is no such action item.")
    return item


def complete_action_item(session: Session, actor: User, item: ActionItem, now: dt.datetime) -> ActionItem:
    if not permissions.can_complete_action_item(actor, item):
        raise PermissionDenied("Only the assigned organization or the backbone marks this done.")
    if item.done_at is None:
        item.done_at, item.done_by_id = now, actor.id
        session.flush()
    return item


def remind_overdue(session: Session, now: dt.datetime, tz: ZoneInfo, repeat_days: int = 7) -> int:
    """Remind each organization of its overdue open action items (again every ``repeat_days``); returns how many."""
    today = now.astimezone(tz).date()
    again = now - dt.timedelta(days=repeat_days)
    due = session.scalars(select(ActionItem).where(
        ActionItem.done_at.is_(None), ActionItem.due_on < today,
        (ActionItem.reminded_at.is_(None)) | (ActionItem.reminded_at <= again)).order_by(ActionItem.due_on, ActionItem.id))
    count = 0
    for item in due:
        if not item.organization.active:   # a deactivated partner has nobody to remind
            continue
        days = (today - item.due_on).days
        notify_organization(session, item.organization, NotificationKind.ACTION_REMINDER,
                            f"Overdue: {item.description}",
                            f"Due {item.due_on:%a %d %b %Y} ({days} day{'s' if days != 1 else ''} ago), "
                            f"from \u201c{item.meeting.title}\u201d. Mark it done when it is.",
                            Page("communication.organization_inbox", {"organization_id": item.organization_id}), now)
        item.reminded_at = now
        count += 1
    session.flush()
    return count


# --- the inbox -----------------------------------------------------------------------------

@dataclass
class Inbox:
    organization: Organization
    announcements: list[AnnouncementReceipt] = field(default_factory=list)
    open_items: list[ActionItem] = field(default_factory=list)
    done_items: list[ActionItem] = field(default_factory=list)
    today: dt.date | None = None

    @property
    def unread(self) -> int:
        return sum(1 for r in self.announcements if r.read_at is None)

    @property
    def overdue(self) -> list[ActionItem]:
        return [i for i in self.open_items if i.is_overdue(self.today)]


def get_inbox(session: Session, organization: Organization, now: dt.datetime, tz: ZoneInfo) -> Inbox:
    """Announcements addressed to the organization (newest first) and its action items (open first, by due date)."""
    receipts = list(session.scalars(
        select(AnnouncementReceipt).join(Announcement).where(AnnouncementReceipt.organization_id == organization.id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(100)))
    items = list(session.scalars(select(ActionItem).where(ActionItem.organization_id == organization.id)
                                 .order_by(ActionItem.due_on, ActionItem.id)))
    return Inbox(organization, receipts, [i for i in items if i.done_at is None],
                 [i for i in items if i.done_at is not None][-20:], now.astimezone(tz).date())


# --- the periodic step -------------------------------------------------------------------------

def periodic(session: Session, now: dt.datetime, config: Mapping, mail_url: notifications.MailUrl) -> int:
    """The coordination step of the periodic job: overdue reminders, then (once a day) the digests,
    whose links ``mail_url`` makes absolute.

    Returns reminders plus digests sent. Immediate e-mails go out in the job's e-mail step after this one.
    """
    tz = ZoneInfo(config.get("COALITION_TIMEZONE", "UTC"))
    reminded = remind_overdue(session, now, tz, config.get("ACTION_REMINDER_REPEAT_DAYS", 7))
    digests = send_digests(session, MailSettings.from_config(config), mail_url, now, tz,
                           config.get("DIGEST_HOUR", 7))
    return reminded + digests
