"""The households page: the list of households each village must move (转移户), by village, with
inline corrections and the import of a county's list."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from ..models import COMMANDING_ROLES, WATCHING_ROLES
from .admin import common_strings, import_strings, navigation_context
from .pages import page_for

bp = Blueprint("households", __name__, url_prefix="/admin")

READERS = WATCHING_ROLES  # as GET /api/v1/households
EDITORS = COMMANDING_ROLES  # as PATCH /api/v1/households/{id} and the import


def household_fields() -> dict[str, str]:
    """The household's fields by their API names (and the import's column names)."""
    return {"head_name": _("Head of household"), "phone": _("Phone"),
            "unit_id": _("Village of the household"), "unit_path": _("Village of the household"),
            "people": _("People in the household"), "vulnerable": _("Vulnerable people"),
            "shelter_post_id": _("Planned shelter"), "shelter": _("Planned shelter"),
            "lat": _("Latitude"), "lon": _("Longitude"), "note": _("Remarks")}


def household_strings() -> dict:
    return {
        **common_strings(),
        **import_strings(),
        "uploading": _("Importing… {percent}%"),
        "all_units": _("All units"),
        "no_shelter": _("No shelter planned"),
        "people_count": _("{count} people"),
        "vulnerable_count": _("{count} vulnerable"),
        "dial": _("Call {name}"),
        "form_add": _("Add a household"),
        "form_edit": _("Edit {name}"),
        "created": _("{name} was added."),
        "updated": _("{name} was saved."),
        "deactivated": _("{name} was deactivated."),
        "reactivated": _("{name} is active again."),
        "confirm_deactivate": _("Deactivate the household of {name}? Its reports stay, but it "
                                "is no longer counted among the households to move."),
        "conflict_field": "phone",
        "conflict_message": _("Another household of this village already has this phone "
                              "number."),
        "fields": household_fields(),
        "field_errors": {
            "head_name": _("Enter the name of the head of household."),
            "phone": _("Enter a valid phone number: digits only, for example 13800000001."),
            "unit_id": _("Choose one of your units."),
            "unit_path": _("No unit of yours has this path (county/town/village)."),
            "people": _("The people of a household are a whole number from 1 to 1000."),
            "vulnerable": _("The vulnerable people are a whole number from 0 up to the "
                            "household's people."),
            "shelter_post_id": _("Choose a relocation site (a post of the kind relocation "
                                 "site)."),
            "shelter": _("No relocation site of yours has this name."),
            "lat": _("The latitude is a number from -90 to 90."),
            "lon": _("The longitude is a number from -180 to 180."),
            "note": _("The remarks are too long."),
        },
    }


bp.context_processor(navigation_context)


@bp.get("/households")
@page_for(*READERS)
def page(principal):
    return render_template("admin/households.html", principal=principal,
                           can_edit=principal.role in EDITORS, i18n=household_strings())
