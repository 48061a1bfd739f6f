"""Roster and post-catalogue imports from the files offices really have: CSV, XLSX, GeoJSON."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import Workbook

PEOPLE_EN = ["name", "phone", "unit", "kind", "skills", "home_lat", "home_lon"]
PEOPLE_ZH = ["姓名", "电话", "单位", "类别", "技能", "住址纬度", "住址经度"]
POSTS_ZH = ["名称", "类型", "纬度", "经度", "半径", "村", "风险等级"]


def csv_bytes(rows, encoding="utf-8", newline="\n") -> bytes:
    lines = [",".join("" if cell is None else str(cell) for cell in row) for row in rows]
    return (newline.join(lines) + newline).encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(api, path: str, content: bytes, filename: str):
    return api.post(path, data={"file": (io.BytesIO(content), filename)},
                    content_type="multipart/form-data")


def import_people(api, content: bytes, filename: str = "people.csv") -> dict:
    response = upload(api, "/api/v1/people/import", content, filename)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def import_posts(api, content: bytes, filename: str = "posts.csv") -> dict:
    response = upload(api, "/api/v1/posts/import", content, filename)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def roster(admin) -> dict[str, dict]:
    return {p["phone"]: p for p in admin.get("/api/v1/people?limit=500").get_json()["items"]}


def catalogue(api) -> dict[str, dict]:
    return {p["name"]: p for p in api.get("/api/v1/posts?limit=500").get_json()["items"]}


def audit_total(admin) -> int:
    return admin.get("/api/v1/audit").get_json()["total"]


# --- people -------------------------------------------------------------------------------------


def test_csv_with_english_headers(admin):
    content = csv_bytes([
        PEOPLE_EN,
        ["张伟", "13800000001", "城关镇农业农村办", "cadre", "水利工程巡查员", "28.1", "119.9"],
        ["李娜", "13800000002", "石门村", "village_official", "", "", ""],
    ])

    assert import_people(admin, content) == {"created": 2, "updated": 0, "errors": []}

    people = roster(admin)
    zhang, li = people["13800000001"], people["13800000002"]
    assert (zhang["name"], zhang["unit"], zhang["kind"]) == ("张伟", "城关镇农业农村办", "cadre")
    assert (zhang["skills"], zhang["home_lat"], zhang["home_lon"]) == (["水利工程巡查员"], 28.1, 119.9)
    assert (li["kind"], li["skills"], li["home_lat"]) == ("village_official", [], None)


def test_csv_with_chinese_headers_kind_words_and_both_skill_separators(admin):
    content = csv_bytes([
        PEOPLE_ZH,
        ["张伟", "13800000001", "城关镇农业农村办", "机关干部", "水利工程巡查员;山洪预警员", "28.1", "119.9"],
        ["李娜", "13800000002", "石门村", "村干部", "地灾群测群防员、危房联络员", "", ""],
    ])

    assert import_people(admin, content) == {"created": 2, "updated": 0, "errors": []}

    people = roster(admin)
    assert people["13800000001"]["kind"] == "cadre"
    assert people["13800000001"]["skills"] == ["水利工程巡查员", "山洪预警员"]
    assert people["13800000002"]["kind"] == "village_official"
    assert people["13800000002"]["skills"] == ["地灾群测群防员", "危房联络员"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_as_excel_in_china_saves_it(admin, encoding):
    content = csv_bytes([PEOPLE_ZH, ["张伟", "13800000001", "城关镇农业农村办", "机关干部",
                                     "水利工程巡查员、山洪预警员", "28.1", "119.9"]],
                        encoding=encoding, newline="\r\n")

    assert import_people(admin, content) == {"created": 1, "updated": 0, "errors": []}

    person = roster(admin)["13800000001"]
    assert (person["name"], person["unit"]) == ("张伟", "城关镇农业农村办")
    assert person["skills"] == ["水利工程巡查员", "山洪预警员"]


def test_xlsx_with_numbers_as_excel_stores_them(admin):
    content = xlsx_bytes([
        PEOPLE_ZH,
        ["张伟", 13800000001, "城关镇农业农村办", "机关干部", "水利工程巡查员", 28.1, 119.9],
        ["李娜", "13800000002", "石门村", "村干部", None, None, None],
    ])

    assert import_people(admin, content, "花名册.xlsx") == {"created": 2, "updated": 0, "errors": []}

    people = roster(admin)
    assert people["13800000001"]["name"] == "张伟"
    assert (people["13800000001"]["home_lat"], people["13800000001"]["home_lon"]) == (28.1, 119.9)
    assert people["13800000002"]["kind"] == "village_official"


def test_broken_rows_are_reported_by_spreadsheet_row_and_good_rows_imported(admin):
    content = csv_bytes([
        PEOPLE_EN,                                                             # row 1
        ["张伟", "13800000001", "城关镇农业农村办", "cadre", "", "", ""],          # row 2: good
        ["", "13800000002", "石门村", "cadre", "", "", ""],                      # row 3: no name
        ["李娜", "call-me", "石门村", "cadre", "", "", ""],                       # row 4: bad phone
        ["王强", "13800000004", "石门村", "cadre", "", "200", "119.9"],           # row 5: lat 200
        ["赵敏", "13800000005", "石门村", "policeman", "", "", ""],               # row 6: bad kind
        ["钱勇", "13800000001", "石门村", "cadre", "", "", ""],                   # row 7: repeat
        ["孙丽", "13800000007", "石门村", "村干部", "", "", ""],                   # row 8: good
    ])

    result = import_people(admin, content)

    assert (result["created"], result["updated"]) == (2, 0)
    errors = {e["row"]: e["message"] for e in result["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert "name" in errors[3]
    assert "phone" in errors[4]
    assert "home_lat" in errors[5]
    assert "kind" in errors[6]
    assert "13800000001" in errors[7] and "2" in errors[7]
    assert set(roster(admin)) == {"13800000001", "13800000007"}
    assert roster(admin)["13800000001"]["name"] == "张伟"


def test_blank_lines_keep_the_row_numbers_of_the_spreadsheet(admin):
    content = csv_bytes([PEOPLE_EN, ["张伟", "13800000001", "单位", "cadre", "", "", ""],
                         [], ["", "13800000002", "单位", "cadre", "", "", ""]])

    result = import_people(admin, content)

    assert result["created"] == 1
    assert [e["row"] for e in result["errors"]] == [4]


def test_reimporting_the_same_file_changes_nothing(admin):
    content = csv_bytes([
        PEOPLE_ZH,
        ["张伟", "13800000001", "城关镇农业农村办", "机关干部", "水利工程巡查员;山洪预警员", "28.1", "119.9"],
        ["李娜", "13800000002", "石门村", "村干部", "", "", ""],
    ])
    import_people(admin, content)
    before = roster(admin)
    entries = audit_total(admin)

    assert import_people(admin, content) == {"created": 0, "updated": 0, "errors": []}
    assert roster(admin) == before
    assert audit_total(admin) == entries


def test_reimporting_the_same_xlsx_changes_nothing(admin):
    content = xlsx_bytes([PEOPLE_EN, ["张伟", 13800000001, "城关镇", "cadre", "巡查员", 28.1, 119.9]])
    import_people(admin, content, "people.xlsx")
    entries = audit_total(admin)

    assert import_people(admin, content, "people.xlsx") == {"created": 0, "updated": 0, "errors": []}
    assert audit_total(admin) == entries


def test_changing_one_row_updates_that_person_only(admin, clock):
    rows = [PEOPLE_EN, ["张伟", "13800000001", "城关镇农业农村办", "cadre", "", "28.1", "119.9"],
            ["李娜", "13800000002", "石门村", "village_official", "", "", ""]]
    import_people(admin, csv_bytes(rows))
    li_before = roster(admin)["13800000002"]
    clock.advance(minutes=5)
    rows[1] = ["张伟", "13800000001", "城关镇应急管理办", "cadre", "山洪预警员", "28.1", "119.9"]

    assert import_people(admin, csv_bytes(rows)) == {"created": 0, "updated": 1, "errors": []}

    people = roster(admin)
    assert people["13800000001"]["unit"] == "城关镇应急管理办"
    assert people["13800000001"]["skills"] == ["山洪预警员"]
    assert people["13800000002"] == li_before
    entry = admin.get("/api/v1/audit", query_string={"entity_type": "people"}).get_json()["items"][0]
    assert entry["action"] == "import"
    assert (entry["before"]["unit"], entry["after"]["unit"]) == ("城关镇农业农村办", "城关镇应急管理办")


def test_import_matches_people_added_by_hand_by_phone(admin):
    admin.post("/api/v1/people", json={"name": "张伟", "phone": "13800000001", "unit": "旧单位",
                                       "kind": "cadre"})

    result = import_people(admin, csv_bytes([PEOPLE_EN, ["张伟", "13800000001", "新单位", "cadre",
                                                        "", "", ""]]))

    assert (result["created"], result["updated"]) == (0, 1)
    assert admin.get("/api/v1/people").get_json()["total"] == 1
    assert roster(admin)["13800000001"]["unit"] == "新单位"


def test_a_file_without_optional_columns_keeps_what_is_known(admin):
    admin.post("/api/v1/people", json={"name": "张伟", "phone": "13800000001", "unit": "城关镇",
                                       "kind": "village_official", "skills": ["山洪预警员"],
                                       "home_lat": 28.1, "home_lon": 119.9})
    phone_list = csv_bytes([["姓名", "电话", "单位"], ["张伟", "13800000001", "城关镇"],
                            ["李娜", "13800000002", "石门村"]])

    assert import_people(admin, phone_list) == {"created": 1, "updated": 0, "errors": []}

    people = roster(admin)
    zhang = people["13800000001"]
    assert (zhang["kind"], zhang["skills"]) == ("village_official", ["山洪预警员"])
    assert (zhang["home_lat"], zhang["home_lon"]) == (28.1, 119.9)
    assert (people["13800000002"]["kind"], people["13800000002"]["skills"]) == ("other", [])


def test_an_empty_cell_in_a_present_column_clears_the_value(admin):
    import_people(admin, csv_bytes([PEOPLE_EN, ["张伟", "13800000001", "城关镇", "cadre",
                                                "山洪预警员", "28.1", "119.9"]]))

    result = import_people(admin, csv_bytes([PEOPLE_EN, ["张伟", "13800000001", "城关镇", "cadre",
                                                         "", "", ""]]))

    assert result["updated"] == 1
    zhang = roster(admin)["13800000001"]
    assert (zhang["skills"], zhang["home_lat"]) == ([], None)


def test_header_only_file_imports_nothing(admin):
    assert import_people(admin, csv_bytes([PEOPLE_EN])) == {"created": 0, "updated": 0, "errors": []}


@pytest.mark.parametrize("content", [b"", "\ufeff".encode()], ids=["empty", "bom-only"])
def test_empty_file_is_422(admin, content):
    response = upload(admin, "/api/v1/people/import", content, "people.csv")

    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def test_header_missing_a_required_column_is_422_naming_it(admin):
    content = csv_bytes([["姓名", "单位", "类别"], ["张伟", "城关镇", "机关干部"]])

    response = upload(admin, "/api/v1/people/import", content, "people.csv")

    assert response.status_code == 422
    assert "phone" in response.get_json()["error"]["fields"]["file"]
    assert admin.get("/api/v1/people").get_json()["total"] == 0


def test_wrong_file_type_is_422(admin):
    response = upload(admin, "/api/v1/people/import", csv_bytes([PEOPLE_EN]), "people.txt")

    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def test_csv_named_xlsx_is_422_not_a_crash(admin):
    response = upload(admin, "/api/v1/people/import", csv_bytes([PEOPLE_EN]), "people.xlsx")

    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def damaged(xlsx: bytes, **replacements) -> bytes:
    """The workbook with some of its parts replaced (None: left out), as a broken download has."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for part in source.namelist():
            key = part.rsplit("/", 1)[-1].replace(".", "_")
            if replacements.get(key, "") is not None:
                target.writestr(part, replacements.get(key) or source.read(part))
    return buffer.getvalue()


@pytest.mark.parametrize("replacements", [
    {"workbook_xml": "not xml"}, {"sheet1_xml": "<row"}, {"sheet1_xml": None},
    {"[Content_Types]_xml": "<"},
], ids=["workbook", "sheet", "no-sheet", "content-types"])
def test_damaged_xlsx_is_422(admin, replacements):
    content = damaged(xlsx_bytes([PEOPLE_EN, ["张伟", "13800000001", "城关镇", "cadre"]]),
                      **replacements)

    response = upload(admin, "/api/v1/people/import", content, "people.xlsx")

    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def test_no_file_is_422(admin):
    response = admin.post("/api/v1/people/import", data={"other": "x"},
                          content_type="multipart/form-data")

    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def test_not_multipart_is_400(admin):
    response = admin.post("/api/v1/people/import", json={"file": "name,phone,unit"})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_only_admins_import_people(api_as):
    response = upload(api_as("commander"), "/api/v1/people/import", csv_bytes([PEOPLE_EN]),
                      "people.csv")

    assert response.status_code == 403


# --- posts --------------------------------------------------------------------------------------


def test_posts_csv_with_chinese_headers_and_kind_words(commander):
    content = csv_bytes([
        POSTS_ZH,
        ["石门水库", "水库", "28.123", "119.95", "150", "石门村", "2"],
        ["后山山塘", "山塘", "28.13", "119.96", "80", "石门村", ""],
        ["龙潭滑坡点", "地质灾害点", "28.2", "119.8", "100", "龙潭村", "1"],
        ["城东下穿隧道", "低洼易涝点", "28.0", "120.0", "50", "", ""],
    ], encoding="gb18030", newline="\r\n")

    assert import_posts(commander, content) == {"created": 4, "updated": 0, "errors": []}

    posts = catalogue(commander)
    reservoir = posts["石门水库"]
    assert (reservoir["kind"], reservoir["lat"], reservoir["lon"]) == ("reservoir", 28.123, 119.95)
    assert (reservoir["radius_m"], reservoir["village"], reservoir["risk"]) == (150, "石门村", 2)
    assert posts["后山山塘"]["kind"] == "pond"
    assert posts["后山山塘"]["risk"] is None
    assert posts["龙潭滑坡点"]["kind"] == "landslide"
    assert (posts["城东下穿隧道"]["kind"], posts["城东下穿隧道"]["village"]) == ("low_road", None)


def test_posts_xlsx_with_english_headers(commander):
    content = xlsx_bytes([
        ["name", "kind", "lat", "lon", "radius_m", "village", "risk"],
        ["石门水库", "reservoir", 28.123, 119.95, 150, "石门村", 2],
        ["安置点一", "shelter", 28.1, 119.9, 200.5, None, None],
    ])

    assert import_posts(commander, content, "点位.xlsx") == {"created": 2, "updated": 0, "errors": []}

    posts = catalogue(commander)
    assert (posts["石门水库"]["lat"], posts["石门水库"]["lon"], posts["石门水库"]["risk"]) == \
        (28.123, 119.95, 2)
    assert (posts["安置点一"]["kind"], posts["安置点一"]["radius_m"]) == ("shelter", 200.5)


def test_posts_geojson_points_keep_lat_and_lon_apart(commander):
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.95, 28.123]},
         "properties": {"name": "石门水库", "kind": "reservoir", "radius_m": 150,
                        "village": "石门村", "risk": 2}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.96, 28.13, 35.0]},
         "properties": {"name": "后山山塘", "kind": "山塘", "radius_m": 80}},
    ]}
    content = json.dumps(document, ensure_ascii=False).encode()

    assert import_posts(commander, content, "posts.geojson") == {"created": 2, "updated": 0,
                                                                  "errors": []}

    posts = catalogue(commander)
    reservoir = posts["石门水库"]
    assert (reservoir["lat"], reservoir["lon"]) == (28.123, 119.95)
    assert (reservoir["radius_m"], reservoir["village"], reservoir["risk"]) == (150, "石门村", 2)
    assert (posts["后山山塘"]["kind"], posts["后山山塘"]["lat"]) == ("pond", 28.13)


def test_posts_geojson_bad_features_are_reported_by_position(commander):
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.95, 28.123]},
         "properties": {"name": "石门水库", "kind": "reservoir", "radius_m": 150}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []},
         "properties": {"name": "一片区域", "kind": "other", "radius_m": 150}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.95, 28.123]},
         "properties": {"name": "无半径", "kind": "pond"}},
    ]}

    result = import_posts(commander, json.dumps(document).encode(), "posts.geojson")

    assert result["created"] == 1
    assert [e["row"] for e in result["errors"]] == [2, 3]
    assert "lat" in result["errors"][0]["message"]
    assert "radius_m" in result["errors"][1]["message"]


@pytest.mark.parametrize("content", [
    b"[1, 2", b'"text"', b"[]", b'{"type": "FeatureCollection"}',
    b'{"type": "FeatureCollection", "features": 5}',
    b'{"type": "FeatureCollection", "features": {"a": 1}}',
    b'{"type": "FeatureCollection", "features": ' + b"[" * 3000 + b"]" * 3000 + b"}",
])
def test_posts_file_that_is_not_geojson_is_422(commander, content):
    response = upload(commander, "/api/v1/posts/import", content, "posts.geojson")

    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def test_a_nul_character_in_a_file_is_a_row_error_not_500(admin, commander):
    people_file = "name,phone,unit,kind\nA\x00B,13812345678,u,cadre\n张伟,13812345679,u,cadre\n"
    people_file = people_file.encode("utf-8")
    result = upload(admin, "/api/v1/people/import", people_file, "people.csv").get_json()
    assert (result["created"], [e["row"] for e in result["errors"]]) == (1, [2])
    assert "NUL" in result["errors"][0]["message"]

    document = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [119.9, 28.1]},
        "properties": {"name": "石\u0000门", "kind": "reservoir", "radius_m": 100}}]}
    result = upload(commander, "/api/v1/posts/import", json.dumps(document).encode(),
                    "posts.geojson").get_json()
    assert result["created"] == 0 and "NUL" in result["errors"][0]["message"]


def test_posts_broken_rows_are_reported_and_good_rows_imported(commander):
    content = csv_bytes([
        POSTS_ZH,                                                   # row 1
        ["石门水库", "水库", "28.123", "119.95", "150", "石门村", "2"],  # row 2: good
        ["鱼塘", "鱼塘", "28.1", "119.9", "50", "", ""],               # row 3: unknown kind
        ["桥一", "桥梁", "28.1", "119.9", "0", "", ""],                # row 4: radius 0
        ["桥二", "桥梁", "28.1", "119.9", "50", "", "5"],              # row 5: risk 5
        ["桥三", "桥梁", "95", "119.9", "50", "", ""],                 # row 6: lat 95
        ["石门水库", "水库", "28.2", "119.95", "150", "", ""],          # row 7: repeats row 2
        ["涵洞一", "涵洞", "28.1", "119.9", "30", "", ""],              # row 8: good
    ])

    result = import_posts(commander, content)

    assert (result["created"], result["updated"]) == (2, 0)
    errors = {e["row"]: e["message"] for e in result["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert "kind" in errors[3]
    assert "radius_m" in errors[4]
    assert "risk" in errors[5]
    assert "lat" in errors[6]
    assert "石门水库" in errors[7]
    posts = catalogue(commander)
    assert set(posts) == {"石门水库", "涵洞一"}
    assert (posts["石门水库"]["lat"], posts["涵洞一"]["kind"]) == (28.123, "bridge")


def test_posts_reimport_changes_nothing_then_one_change_updates_one(commander, admin):
    rows = [POSTS_ZH, ["石门水库", "水库", "28.123", "119.95", "150", "石门村", "2"],
            ["后山山塘", "山塘", "28.13", "119.96", "80", "石门村", ""]]
    import_posts(commander, csv_bytes(rows))
    entries = audit_total(admin)

    assert import_posts(commander, csv_bytes(rows)) == {"created": 0, "updated": 0, "errors": []}
    assert audit_total(admin) == entries

    rows[2] = ["后山山塘", "山塘", "28.13", "119.96", "120", "石门村", "3"]
    assert import_posts(commander, csv_bytes(rows)) == {"created": 0, "updated": 1, "errors": []}
    pond = catalogue(commander)["后山山塘"]
    assert (pond["radius_m"], pond["risk"]) == (120, 3)


def test_posts_file_without_village_and_risk_keeps_them(commander):
    commander.post("/api/v1/posts", json={"name": "石门水库", "kind": "reservoir", "lat": 28.123,
                                          "lon": 119.95, "radius_m": 150, "village": "石门村",
                                          "risk": 1})
    content = csv_bytes([["名称", "类型", "纬度", "经度", "半径"],
                         ["石门水库", "水库", "28.123", "119.95", "200"]])

    assert import_posts(commander, content) == {"created": 0, "updated": 1, "errors": []}

    reservoir = catalogue(commander)["石门水库"]
    assert (reservoir["radius_m"], reservoir["village"], reservoir["risk"]) == (200, "石门村", 1)


def test_posts_header_missing_a_required_column_is_422_naming_it(commander):
    content = csv_bytes([["名称", "类型", "纬度", "经度"], ["石门水库", "水库", "28.1", "119.9"]])

    response = upload(commander, "/api/v1/posts/import", content, "posts.csv")

    assert response.status_code == 422
    assert "radius_m" in response.get_json()["error"]["fields"]["file"]


def test_posts_import_refuses_other_file_types_and_missing_files(commander):
    wrong = upload(commander, "/api/v1/posts/import", b"name,kind", "posts.txt")
    missing = commander.post("/api/v1/posts/import", data={}, content_type="multipart/form-data")
    not_multipart = commander.post("/api/v1/posts/import", json={"type": "FeatureCollection"})

    assert wrong.status_code == 422
    assert missing.status_code == 422
    assert not_multipart.status_code == 400
