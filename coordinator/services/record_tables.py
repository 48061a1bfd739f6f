"""The shape of every exported table: columns with their Chinese and English headers and the
kind of their cells, and rows of plain values under them (written as XLSX sheets or CSV)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROW_BATCH = 5_000


@dataclass(frozen=True)
class Column:
    """A column: its key, Chinese and English headers, and what its cells hold: "text" (anyone's
    words: neutralised), "time", "bool", or "plain" (numbers and the app's own words)."""

    key: str
    zh: str
    en: str
    kind: str = "text"

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh_CN" else self.en


@dataclass
class Table:
    """Rows of plain values (text, numbers, booleans, aware datetimes, None) under columns."""

    key: str
    title_zh: str
    title_en: str
    columns: list[Column]
    rows: Iterable[tuple]

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh_CN" else self.title_en

    def headers(self, lang: str) -> list[str]:
        return [column.header(lang) for column in self.columns]
