"""The data model, one module per aggregate. Importing this package registers every table."""
from coalition.models.invitation import Invitation
from coalition.models.organization import WEEKDAYS, Organization, OrganizationKind
from coalition.models.sign_in import SignInFailure
from coalition.models.user import Membership, Role, User, normalize_email

__all__ = [
    "WEEKDAYS",
    "Invitation",
    "Membership",
    "Organization",
    "OrganizationKind",
    "Role",
    "SignInFailure",
    "User",
    "normalize_email",
]
