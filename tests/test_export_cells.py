"""Exports never answer 500: text a spreadsheet cannot store is cleaned once, in the one XLSX
writer, and every export answers in the API's error shape or with its file."""

from __future__ import annotations

import io

from conftest import event_body, person_body, post_body
from openpyxl import load_workbook


def test_an_event_named_with_control_characters_exports_its_roster_and_records(admin,
                                                                                commander):
    event = commander.post("/api/v1/events", json=event_body(name="台风\x01“梅花”\x1f防御")).get_json()
    post = commander.post("/api/v1/posts", json=post_body(name="水库\x02一号")).get_json()
    person = admin.post("/api/v1/people", json=person_body(name="张\x03三")).get_json()
    shift = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}).get_json()
    commander.post("/api/v1/assignments", json={"shift_id": shift["id"],
                                                "person_id": person["id"]})
    for path in (f"/api/v1/events/{event['id']}/roster.xlsx?date=2026-07-21",
                 f"/api/v1/events/{event['id']}/export.xlsx",
                 f"/api/v1/events/{event['id']}/export.xlsx?lang=en"):
        response = commander.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        workbook = load_workbook(io.BytesIO(response.get_data()))
        cells = [str(cell) for sheet in workbook.worksheets
                 for row in sheet.iter_rows(values_only=True) for cell in row if cell]
        assert not any(ch in text for text in cells for ch in "\x01\x02\x03\x1f")
        if "roster" in path:
            assert any("台风" in text and "梅花" in text for text in cells)
