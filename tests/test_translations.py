"""Every message has a Chinese translation, and pages are Chinese unless English is asked for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "coordinator" / "translations"
# Babel spells zh_CN as zh_Hans_CN, and Flask-Babel looks for the catalog under that name.
CHINESE = str(Locale.parse("zh_CN"))
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)[sd]")


def extracted_messages() -> Catalog:
    """The messages of the source tree as `pybabel extract -F babel.cfg` finds them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog()

    def skip_dependencies(dirpath: str) -> bool:
        return not Path(dirpath).name.startswith((".", "_", "node_modules"))

    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, directory_filter=skip_dependencies):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


@pytest.fixture(scope="module")
def chinese() -> Catalog:
    with open(TRANSLATIONS / CHINESE / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale="zh_CN")


def where(message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations)


def test_every_message_has_a_chinese_translation(chinese):
    source = extracted_messages()
    assert len(source) > 50, "extraction found almost nothing: is babel.cfg right?"
    untranslated = []
    for message in source:
        if not message.id:
            continue
        translated = chinese.get(message.id, context=message.context)
        if translated is None or not translated.string or translated.fuzzy:
            untranslated.append(f"{message.id!r} ({where(message)})")
    assert not untranslated, (
        "untranslated or fuzzy in the zh_CN catalog; run pybabel extract and update, then "
        "translate:\n  " + "\n  ".join(untranslated))


def test_translations_keep_their_placeholders(chinese):
    broken = [f"{m.id!r} -> {m.string!r}" for m in chinese
              if m.id and m.string
              and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert not broken, "placeholders differ:\n  " + "\n  ".join(broken)
    assert not [problem for problem in chinese.check()]


def test_compiled_catalog_is_current():
    po = TRANSLATIONS / CHINESE / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        "the compiled catalog is missing or older than the .po: run `make translations`")


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page
    assert "<h1>登录</h1>" in page
    assert "用户名" in page and "密码" in page
    assert 'hreflang="en"' in page


def test_english_on_request_and_remembered(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "<h1>Sign in</h1>" in page and "Username" in page
    assert "<h1>Sign in</h1>" in client.get("/login").get_data(as_text=True)
    assert "<h1>登录</h1>" in client.get("/login?lang=zh_CN").get_data(as_text=True)


def test_error_page_follows_the_language(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
