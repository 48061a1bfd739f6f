"""Exports: the CSV tables and the season's workbook."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...services.fields import Day
from .common import Query

ExportLang = Literal["zh_CN", "en"]


class ExportQuery(Query):
    lang: ExportLang = Field("zh_CN", description="the headers' language")


class CsvExportQuery(ExportQuery):
    table: Literal["people", "units", "checkins", "alerts", "spot_checks", "commendations",
                   "calls", "relocations", "relocation_villages",
                   "relocation_officials"] = "people"


class SeasonExportQuery(ExportQuery):
    event_ids: str | None = Field(None, pattern=r"^[0-9]{1,10}(,[0-9]{1,10}){0,99}$",
                                  description="comma-separated event ids, e.g. 1,2,3")
    since: Day | None = Field(None, description="events starting on or after (Beijing)")
    until: Day | None = Field(None, description="events starting on or before (Beijing)")
