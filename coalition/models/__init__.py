"""The data model, one module per aggregate. Importing this package registers every table."""
from coalition.models.api_token import ApiToken
from coalition.models.audit import AuditEvent
from coalition.models.claim import ACTIVE_CLAIM_STATUSES, Claim, ClaimStatus
from coalition.models.cold_chain import ColdChainSetting, TemperatureReading  # noqa: F401  (cold chain)
from coalition.models.donation import (
    Donation,
    DonationDecline,
    DonationKind,
    DonationLine,
    DonationStatus,
    PriorityPartner,
    RecurringSchedule,
)
from coalition.models.food import KG, FoodCategory, StorageClass, grams, kg
from coalition.models.geocode import GeocodeResult  # noqa: F401  (registers the geocoder cache)
from coalition.models.invitation import Invitation
from coalition.models.measurement import (  # noqa: F401  (registers the measurement tables)
    CoalitionSettings, DeliveryRecord, Goal, IndicatorValue, Neighborhood, PartnerReport, Trajectory,
)
from coalition.models.coordination import (  # noqa: F401  (registers the coordination tables)
    ActionItem, Announcement, AnnouncementReceipt, Audience, CommunicationPreference, Meeting, PartnerProfile,
    PlanRole, Project, ProjectGoal, ProjectIndicator, ProjectPartner, ProjectProgress, ProjectTask, ProjectUpdate,
)
from coalition.models.need import Need, NeedStatus
from coalition.models.notification import Notification, NotificationKind, NotificationPreference
from coalition.models.push import PushDelivery, PushSubscription
from coalition.models.rescue_alert import RescueAlert
from coalition.models.no_show import DriverAnswer, NoShow
from coalition.models.organization import WEEKDAYS, Organization, OrganizationKind
from coalition.models.route_plan import (
    FoodSafetyRule,
    PlanDrop,
    PlanStatus,
    ProblemKind,
    Route,
    RoutePlan,
    Stop,
    StopAction,
    StopKind,
    StopStatus,
)
from coalition.models.shift import ColdChain, DriverShift, PlaceKind, ShiftPattern, ShiftStatus
from coalition.models.sign_in import PasswordResetRequest, SignInFailure
from coalition.models.feedback import DeliveryRating, PickupIssue, PickupProblem  # noqa: F401  (coordination: feedback)
from coalition.models.readiness import DriverProfile  # noqa: F401  (coordination: volunteer readiness)
from coalition.models.receipts import FairMarketValue  # noqa: F401  (coordination: donor receipts)
from coalition.models.funding import FundingPurpose, Grant, GrantSpending, GrantStatus  # noqa: F401  (funding ledger)
from coalition.models.user import Membership, Role, User, normalize_email

__all__ = [
    "ACTIVE_CLAIM_STATUSES", "KG", "WEEKDAYS",
    "ApiToken", "AuditEvent", "Claim", "ClaimStatus", "Donation", "DonationDecline", "DonationKind",
    "DonationLine", "DonationStatus", "FoodCategory", "Invitation", "Membership", "Need", "NeedStatus",
    "DriverAnswer", "NoShow", "Notification", "NotificationKind", "NotificationPreference", "Organization", "OrganizationKind",
    "PasswordResetRequest", "PriorityPartner", "PushDelivery", "PushSubscription", "RescueAlert", "RecurringSchedule", "Role",
    "SignInFailure", "StorageClass", "User",
    "grams", "kg", "normalize_email",
    "ColdChain", "DriverShift", "FoodSafetyRule", "PlaceKind", "PlanDrop", "PlanStatus", "ProblemKind", "Route",
    "RoutePlan", "ShiftPattern", "ShiftStatus", "Stop", "StopAction", "StopKind", "StopStatus",
]
