"""The roster page in a real browser: sign in, add, correct, search, import, switch language; each
person's unit in the command chain and what they are responsible for."""

from __future__ import annotations

import re

import pytest
from conftest import person_body
from county_support import build_county, created
from live_server import DESKTOP, browser, browser_page, live_server, sign_in  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CSV_WITH_ONE_BAD_ROW = (
    "姓名,电话,单位,类别,技能,住址纬度,住址经度\n"
    "王芳,13900000001,石门村,村干部,山洪预警员、地灾群测群防员,28.11,119.91\n"
    "赵磊,12ab,城关镇应急管理办,机关干部,,28.12,119.92\n"
    "孙丽,13900000003,溪口村,村干部,避灾场所管理员,,\n"
)

# Notes whether the upload's progress bar was ever shown (it is gone again by the time we look).
WATCH_PROGRESS = """() => {
  const progress = document.querySelector("#import .progress");
  window.progressShown = false;
  new MutationObserver(() => { if (!progress.hidden) window.progressShown = true; })
    .observe(progress, { attributes: true });
}"""


def row(page, name: str):
    return page.locator("#table tbody tr", has_text=name)


def test_admin_keeps_the_roster(browser_page, make_user, tmp_path):  # noqa: F811
    page = browser_page
    sign_in(page, make_user("admin"))

    # The administrator lands on the roster, in Chinese, with the whole menu.
    expect(page).to_have_url(re.compile(r"/admin/people$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("人员")
    expect(page.locator(".mainnav a")).to_have_text(["指挥大屏", "应急响应", "点位", "人员", "单位",
                                                     "转移户", "通知", "值守考核", "数据看板"])
    expect(page.locator("#empty")).to_have_text("暂无数据。")

    # Add a person through the form; they appear in the table with the category in Chinese.
    form = page.locator("#form")
    form.get_by_label("姓名").fill("张伟")
    form.get_by_label("电话").fill("13800000001")
    form.get_by_role("textbox", name="单位", exact=True).fill("城关镇农业农村办")
    form.get_by_label("类别").select_option(label="机关干部")
    form.get_by_label("技能").fill("水利工程巡查员、山洪预警员")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#notice")).to_have_text("已新增“张伟”。")
    expect(row(page, "张伟")).to_contain_text("13800000001")
    expect(row(page, "张伟")).to_contain_text("机关干部")
    expect(row(page, "张伟")).to_contain_text("水利工程巡查员、山洪预警员")
    expect(form.get_by_label("姓名")).to_have_value("")

    # A bad phone number is explained next to the field, in plain words; nothing is added.
    form.get_by_label("姓名").fill("李娜")
    form.get_by_label("电话").fill("12ab")
    form.get_by_role("textbox", name="单位", exact=True).fill("石门村")
    form.get_by_label("类别").select_option(label="村干部")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#f-phone-error")).to_be_visible()
    expect(page.locator("#f-phone-error")).to_contain_text("请填写有效的电话号码")
    expect(form.get_by_label("电话")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".form-error")).to_contain_text("部分内容填写有误")
    expect(row(page, "李娜")).to_have_count(0)

    # Corrected, it saves; a phone number already on the roster is refused at the field.
    form.get_by_label("电话").fill("13800000001")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#f-phone-error")).to_have_text("该电话号码已被名册中的其他人员使用。")
    form.get_by_label("电话").fill("13800000002")
    form.get_by_role("button", name="保存").click()
    expect(row(page, "李娜")).to_contain_text("村干部")
    expect(page.locator("#f-phone-error")).to_be_hidden()

    # Search narrows the table; an empty search shows everyone again.
    search = page.get_by_placeholder("按姓名、电话或单位搜索")
    search.fill("石门")
    expect(page.locator("#table tbody tr")).to_have_count(1)
    expect(row(page, "李娜")).to_be_visible()
    search.fill("没有这个人")
    expect(page.locator("#empty")).to_have_text("没有符合条件的记录。")
    search.fill("")
    expect(page.locator("#table tbody tr")).to_have_count(2)

    # Edit a person, then deactivate them (the confirmation is accepted).
    row(page, "李娜").get_by_role("button", name="编辑").click()
    expect(page.locator("#form-title")).to_have_text("编辑：李娜")
    expect(form.get_by_role("textbox", name="单位", exact=True)).to_have_value("石门村")
    form.get_by_role("textbox", name="单位", exact=True).fill("石门村村委会")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#notice")).to_have_text("已保存“李娜”。")
    expect(row(page, "李娜")).to_contain_text("石门村村委会")
    expect(page.locator("#form-title")).to_have_text("新增人员")
    row(page, "李娜").get_by_role("button", name="停用").click()
    expect(row(page, "李娜")).to_contain_text("已停用")
    expect(row(page, "李娜").get_by_role("button", name="启用")).to_be_visible()

    # Upload a spreadsheet with Chinese headers: two people in, the bad row named with its reason.
    upload = tmp_path / "人员名单.csv"
    upload.write_text(CSV_WITH_ONE_BAD_ROW, encoding="utf-8-sig")
    page.locator("#f-file").set_input_files(str(upload))
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="上传并导入").click()
    summary = page.locator("#import-result .summary")
    expect(summary).to_contain_text("新增 2 条")
    expect(summary).to_contain_text("跳过 1 行")
    bad = page.locator("#import-result .bad-rows tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.locator("td").first).to_have_text("3")
    expect(bad.locator("td").nth(1)).to_contain_text("电话")
    expect(bad.locator("td").nth(1)).to_contain_text("请填写有效的电话号码")
    expect(page.locator("#import .progress")).to_be_hidden()
    assert page.evaluate("window.progressShown") is True
    expect(row(page, "王芳")).to_contain_text("山洪预警员、地灾群测群防员")
    expect(page.locator("#table tbody tr")).to_have_count(4)

    # Switch to English: the same page and data, in English.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("People")
    expect(page.locator(".mainnav a")).to_have_text(["Command screen", "Responses", "Posts", "People",
                                                     "Units and leaders", "Households to move",
                                                     "Notifications",
                                                     "Duty records", "Dashboard"])
    expect(row(page, "王芳")).to_contain_text("Village official")
    expect(page.get_by_role("button", name="Upload and import")).to_be_visible()


def test_import_of_an_unreadable_file_is_explained(browser_page, make_user, tmp_path):  # noqa: F811
    page = browser_page
    sign_in(page, make_user("admin"))
    upload = tmp_path / "名单.csv"
    upload.write_text("名字,手机\n张三,13800000009\n", encoding="utf-8")
    page.locator("#f-file").set_input_files(str(upload))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#f-file-error")).to_contain_text("文件无法导入")
    expect(page.locator("#f-file-error")).to_contain_text("首行缺少以下列")
    expect(page.locator("#import-result")).to_be_hidden()
    page.locator("#f-file").set_input_files([])
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#f-file-error")).to_have_text("请先选择文件。")


def test_roster_pages_through_many_people(browser_page, make_user, admin):  # noqa: F811
    for number in range(23):
        response = admin.post("/api/v1/people", json=person_body(
            name=f"人员{number:02d}", phone=f"1370000{number:04d}"))
        assert response.status_code == 201, response.get_json()
    page = browser_page
    sign_in(page, make_user("admin"))
    pager = page.locator("#pager")
    expect(pager.locator(".page-info")).to_have_text("第 1–20 条，共 23 条")
    expect(page.locator("#table tbody tr")).to_have_count(20)
    pager.get_by_role("button", name="下一页").click()
    expect(pager.locator(".page-info")).to_have_text("第 21–23 条，共 23 条")
    expect(page.locator("#table tbody tr")).to_have_count(3)
    expect(pager.get_by_role("button", name="下一页")).to_be_disabled()


def test_people_belong_to_units_and_show_what_they_answer_for(browser, browser_page, live_server,  # noqa: F811
                                                               make_user, admin, api_as):
    county = build_county(admin, api_as)
    wang = county.people["A"]["id"]
    created(admin.post(f"/api/v1/units/{county.units['A']}/leaders", json={
        "person_id": wang, "role": "duty"}))
    created(admin.post(f"/api/v1/posts/{county.posts['A']['id']}/responsibles", json={
        "person_id": wang, "role": "patrol"}))
    page = browser_page
    sign_in(page, make_user("admin"))
    expect(row(page, "王建国")).to_contain_text("临安区 / 太湖源镇 / 白沙村")
    expect(row(page, "王建国").locator('td[data-label="防汛责任"] li')).to_have_text([
        "白沙水库 · 巡查责任人", "太湖源镇 · 带班领导"])
    expect(row(page, "李秀英").locator('td[data-label="防汛责任"]')).to_have_text("—")

    # A new person in a town; an account of the whole organisation may leave the unit out.
    form = page.locator("#form")
    units = form.get_by_label("所属单位")
    expect(units.locator("option")).to_have_text([
        "无（仅不限单位的账号可见）", "临安区", "临安区 / 天目山镇", "临安区 / 天目山镇 / 月亮桥村",
        "临安区 / 太湖源镇", "临安区 / 太湖源镇 / 白沙村"])
    form.get_by_label("姓名").fill("周立")
    form.get_by_label("电话").fill("13900000031")
    form.get_by_role("textbox", name="单位", exact=True).fill("天目山镇应急办")
    units.select_option(label="临安区 / 天目山镇")
    form.get_by_role("button", name="保存").click()
    expect(row(page, "周立")).to_contain_text("临安区 / 天目山镇")

    # Moving a person to another unit.
    row(page, "李秀英").get_by_role("button", name="编辑").click()
    expect(units).to_have_value(str(county.units["B1"]))
    units.select_option(label="临安区 / 天目山镇")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#notice")).to_have_text("已保存“李秀英”。")
    expect(row(page, "李秀英").locator('td[data-label="所属单位"]')).to_have_text("临安区 / 天目山镇")
    assert admin.get(f"/api/v1/people/{county.people['B']['id']}").get_json()["unit_id"] \
        == county.units["B"]

    page.get_by_role("link", name="English").click()
    expect(row(page, "王建国")).to_contain_text("白沙水库 · Patrol responsible")

    # An administrator of town A sees its people only and keeps new ones inside the town.
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="zh-CN")
    town_page = context.new_page()
    try:
        sign_in(town_page, make_user("admin", "town-a-admin", unit_id=county.units["A"]))
        expect(town_page.locator("#table tbody tr")).to_have_count(1)
        town_units = town_page.locator("#form").get_by_label("所属单位")
        expect(town_units.locator("option")).to_have_text(["临安区 / 太湖源镇", "临安区 / 太湖源镇 / 白沙村"])
        expect(town_units).to_have_value(str(county.units["A"]))
    finally:
        context.close()
