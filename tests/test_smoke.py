from conftest import event_body, person_body, post_body


def test_full_flow(admin, commander):
    r = admin.post("/api/v1/people", json=person_body())
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    r = commander.post("/api/v1/posts", json=post_body())
    assert r.status_code == 201, r.get_json()
    post_id = r.get_json()["id"]
    r = commander.post("/api/v1/events", json=event_body())
    assert r.status_code == 201, r.get_json()
    eid = r.get_json()["id"]
    r = commander.post(f"/api/v1/events/{eid}/shifts", json={"post_id": post_id, "starts_at": "2026-07-21T08:00:00+08:00", "ends_at": "2026-07-21T20:00:00+08:00", "required": 2})
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    r = commander.post("/api/v1/assignments", json={"shift_id": sid, "person_id": pid})
    assert r.status_code == 201, r.get_json()
    print(r.get_json())
    r = admin.get("/api/v1/audit/verify")
    print(r.get_json())
    assert r.get_json()["ok"]
