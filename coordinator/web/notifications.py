"""The notification outbox page: what could not be sent (and sending it again), what waits to go
and what went out, by channel."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from ..models import COMMANDING_ROLES
from .admin import common_strings, navigation_context
from .pages import page_for

bp = Blueprint("notifications", __name__, url_prefix="/admin")

VIEWERS = COMMANDING_ROLES  # as GET /api/v1/notifications


def status_names() -> dict[str, str]:
    """The page's tabs, in their order: what failed comes first, it is what needs a person."""
    return {"failed": _("Failed"), "pending": _("Waiting"), "sent": _("Sent")}


def channel_names() -> dict[str, str]:
    return {"app": _("Duty page"), "sms": _("SMS"), "wecom": _("WeCom robot"),
            "dingtalk": _("DingTalk robot"), "mail": _("Mail")}


def cause_names() -> dict[str, str]:
    return {"call": _("Call"), "escalation": _("Escalation to the leaders"),
            "assignment": _("Duty assignment"), "alert": _("Alert")}


def notification_strings() -> dict:
    return {
        **common_strings(),
        "channels": channel_names(),
        "causes": cause_names(),
        "resend": _("Send again"),
        "resent": _("The notification to {name} is queued to be sent again."),
        "conflict_message": _("This notification has been sent or is being sent; it need not "
                              "be sent again."),
        "next_attempt": _("next try {time}"),
        "sent_at": _("sent {time}"),
        "empty_failed": _("No notification failed."),
        "empty_pending": _("Nothing is waiting to be sent."),
        "empty_sent": _("Nothing has been sent yet."),
    }


bp.context_processor(navigation_context)


@bp.get("/notifications")
@page_for(*VIEWERS)
def page(principal):
    return render_template("admin/notifications.html", principal=principal,
                           i18n=notification_strings(), statuses=status_names())
