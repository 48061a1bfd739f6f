"""All models, imported here so that metadata (and Alembic) sees every table."""

from .accounts import COMMANDING_ROLES, ROLES, WATCHING_ROLES, LinkRefusal, LoginFailure, StaffLink, User
from .alerts import ALERT_KINDS, REPORT_CATEGORIES, Alert, FieldReport
from .audit import AuditEntry, AuditHead
from .base import MAX_ID, Base
from .calls import CALL_KINDS, Call, CallTarget, Escalation
from .checkins import CHECKIN_FLAGS, CHECKIN_KINDS, REVIEW_VERDICTS, CheckIn
from .events import ASSIGNMENT_SOURCES, EVENT_KINDS, Assignment, Event, Shift
from .live import (
    POST_STATUSES,
    EventSequence,
    EventUnitSequence,
    LiveMessageRow,
    PostStatus,
    StoredDutyState,
)
from .notifications import NOTIFICATION_CAUSES, NOTIFICATION_CHANNELS, NOTIFICATION_STATUSES, Notification
from .organisation import (
    LEADER_ROLES,
    PARENT_KIND,
    RESPONSIBLE_ROLES,
    UNIT_KINDS,
    PostResponsible,
    Unit,
    UnitLeader,
)
from .people import PERSON_KINDS, Person
from .posts import POST_KINDS, Post
from .relocation import (
    LEFT_STATUSES,
    RELOCATION_STATUSES,
    Household,
    HouseholdState,
    RelocationReport,
    ShelterArrival,
)
from .supervision import COMMENDATION_KINDS, Commendation, SpotCheck
from .warnings import WARNING_SEVERITIES, Warning

__all__ = [
    "CALL_KINDS",
    "LEFT_STATUSES",
    "RELOCATION_STATUSES",
    "Household",
    "HouseholdState",
    "RelocationReport",
    "ShelterArrival",
    "NOTIFICATION_CAUSES",
    "NOTIFICATION_CHANNELS",
    "NOTIFICATION_STATUSES",
    "WARNING_SEVERITIES",
    "Call",
    "CallTarget",
    "Escalation",
    "Notification",
    "Warning",
    "ALERT_KINDS",
    "ASSIGNMENT_SOURCES",
    "CHECKIN_FLAGS",
    "CHECKIN_KINDS",
    "COMMENDATION_KINDS",
    "MAX_ID",
    "EVENT_KINDS",
    "LEADER_ROLES",
    "PARENT_KIND",
    "RESPONSIBLE_ROLES",
    "UNIT_KINDS",
    "PERSON_KINDS",
    "POST_KINDS",
    "POST_STATUSES",
    "REPORT_CATEGORIES",
    "REVIEW_VERDICTS",
    "COMMANDING_ROLES",
    "ROLES",
    "WATCHING_ROLES",
    "Alert",
    "Assignment",
    "AuditEntry",
    "AuditHead",
    "Base",
    "CheckIn",
    "Commendation",
    "Event",
    "EventSequence",
    "EventUnitSequence",
    "FieldReport",
    "LinkRefusal",
    "LiveMessageRow",
    "LoginFailure",
    "Person",
    "Post",
    "PostResponsible",
    "PostStatus",
    "StoredDutyState",
    "Shift",
    "SpotCheck",
    "StaffLink",
    "Unit",
    "UnitLeader",
    "User",
]
