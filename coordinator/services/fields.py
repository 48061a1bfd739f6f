"""The field rules shared by the JSON API, the pages and the file imports: what a stored name,
phone, place or moment may be, and the rows of a person and a post as they are validated."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from datetime import date as date_type
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from ..models import MAX_ID

# Lengths match the columns they are stored in (a longer value is a 422, never a database error).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
# What `strip_whitespace` strips (Unicode White_Space). A phone or an address may come with it
# around; the pattern is checked on the stripped value, so the document shows it with it around.
WHITE_SPACE = "\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
AROUND = f"[{WHITE_SPACE}]*"
PHONE = "\\+?[0-9][0-9\\- ]{3,29}[0-9\\-]"
EMAIL = f"[^@{WHITE_SPACE}\x00]+@[^@{WHITE_SPACE}\x00]+\\.[^@{WHITE_SPACE}\x00]+"
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=f"^{PHONE}$"),
                  Field(json_schema_extra={"pattern": f"^{AROUND}{PHONE}{AROUND}$"})]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=f"^{EMAIL}$"),
                  Field(json_schema_extra={"pattern": f"^{AROUND}{EMAIL}{AROUND}$"})]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


# A moment or a day is written in ISO 8601 with a year from 1900 to 8999 (as the OpenAPI document
# says with this pattern): years so far off that storing or showing them (in UTC, at +08:00, a day
# later) would overflow are refused, and so is anything else a lenient parser would take for a
# moment (a number of seconds in a query string).
ISO_DAY_PATTERN = r"^(?:19|[2-8][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}"
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
YEARS = "must be between the years 1900 and 8999"


def _parsed_from_iso(adapter: TypeAdapter):
    """A validator that reads a string written in ISO 8601 with `adapter` (and nothing else)."""

    def parse(value):
        if not isinstance(value, str):
            return value
        if not _ISO_DAY.match(value):
            raise ValueError("must be written in ISO 8601, e.g. 2026-07-21T08:00:00+08:00")
        try:
            return adapter.validate_python(value)
        except ValidationError as error:
            raise ValueError(error.errors()[0]["msg"]) from None

    return BeforeValidator(parse)


def _storable(moment: datetime) -> datetime:
    if not 1900 <= moment.year <= 8999:
        raise ValueError(YEARS)
    return moment


def _storable_day(day: date_type) -> date_type:
    if not 1900 <= day.year <= 8999:
        raise ValueError(YEARS)
    return day


def nul_field(value) -> str | None:
    """The path of the first string holding a NUL character (PostgreSQL cannot store one).
    Walked with a list, not recursion: a body may nest as deep as the JSON parser allows."""
    stack = [(value, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        stack.extend((item, f"{path}.{key}" if path else str(key)) for key, item in reversed(items))
    return None


Moment = Annotated[AwareDatetime, _parsed_from_iso(TypeAdapter(AwareDatetime)),
                   AfterValidator(_storable), Field(json_schema_extra={"pattern": ISO_DAY_PATTERN})]
Day = Annotated[date_type, _parsed_from_iso(TypeAdapter(date_type)), AfterValidator(_storable_day),
                Field(json_schema_extra={"pattern": ISO_DAY_PATTERN})]
PersonKind = Literal["cadre", "village_official", "other"]
PostKind = Literal[
    "reservoir", "pond", "landslide", "low_road", "dangerous_house", "shelter", "bridge",
    "embankment", "other",
]


class Body(BaseModel):
    """A JSON request body: strict types, finite numbers, unknown fields ignored."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="ignore")


# --- the rows of a person and a post (a request body, or a row of an imported file) -----------


class PersonBody(Body):
    name: ShortText
    phone: Phone
    unit: Text
    kind: PersonKind
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    home_lat: Latitude | None = None
    home_lon: Longitude | None = None
    unit_id: Id | None = None
    email: Email | None = Field(None, description="for notifications by mail (SMTP)")


class PostBody(Body):
    name: Text
    kind: PostKind
    lat: Latitude
    lon: Longitude
    radius_m: float = Field(gt=0, le=10_000)
    village: ShortText | None = None
    risk: int | None = Field(None, ge=1, le=4)
    unit_id: Id | None = None
    capacity: int | None = Field(None, ge=0, le=1_000_000,
                                 description="a shelter's places (容纳人数)")


class HouseholdBody(Body):
    """A household to move (转移户): `vulnerable` counts the elderly, disabled, sick, pregnant
    and children among its `people`; `shelter_post_id` is the shelter planned for it."""

    head_name: ShortText
    phone: Phone
    unit_id: Id
    people: int = Field(ge=1, le=1_000)
    vulnerable: int = Field(0, ge=0, le=1_000)
    lat: Latitude | None = None
    lon: Longitude | None = None
    shelter_post_id: Id | None = None
    note: LongText | None = None
