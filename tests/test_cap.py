"""CAP 1.2 warnings (预警) as a meteorological bureau sends them, and the documents refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from coordinator.services.cap import SEVERITY_LEVEL, CapRefused, Reference, parse_cap

SENDER = "dg@gd121.cn"
IDENTIFIER = "44190041600000_20260721080000"
SENT = "2026-07-21T08:00:00+08:00"
POLYGON = "22.80,113.60 22.80,113.75 22.90,113.75 22.90,113.60 22.80,113.60"

# As the national platform (国家突发事件预警信息发布) relays a county bureau's signal: an English
# translation first, the Chinese block second.
ORANGE_RAINSTORM = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{IDENTIFIER}</identifier>
  <sender>{SENDER}</sender>
  <sent>{SENT}</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en-US</language>
    <category>Met</category>
    <event>Rainstorm</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <onset>2026-07-21T08:00:00+08:00</onset>
    <expires>2026-07-21T20:00:00+08:00</expires>
    <senderName>Dongguan Meteorological Observatory</senderName>
    <headline>Dongguan Meteorological Observatory issues Rainstorm Orange Warning</headline>
    <area>
      <areaDesc>Humen Town, Chang'an Town</areaDesc>
      <polygon>{POLYGON}</polygon>
    </area>
  </info>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <onset>2026-07-21T08:00:00+08:00</onset>
    <expires>2026-07-21T20:00:00+08:00</expires>
    <senderName>东莞市气象台</senderName>
    <headline>东莞市气象台发布暴雨橙色预警信号</headline>
    <description>预计未来3小时虎门镇、长安镇将出现50毫米以上降水，请做好防御工作。</description>
    <instruction>切断低洼地带有危险的室外电源，暂停户外作业。</instruction>
    <area>
      <areaDesc>虎门镇、长安镇，厚街镇 虎门镇</areaDesc>
      <polygon>{POLYGON}</polygon>
      <circle>22.85,113.67 10</circle>
      <geocode>
        <valueName>行政区划代码</valueName>
        <value>441900</value>
      </geocode>
    </area>
    <area>
      <areaDesc>沙田镇</areaDesc>
      <geocode>
        <valueName>行政区划代码</valueName>
        <value>441900123</value>
      </geocode>
    </area>
  </info>
</alert>
"""

UPGRADE_TO_RED = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>44190041600000_20260721093000</identifier>
  <sender>{SENDER}</sender>
  <sent>2026-07-21T09:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Update</msgType>
  <scope>Public</scope>
  <references>{SENDER},{IDENTIFIER},{SENT}</references>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>东莞市气象台将暴雨橙色预警信号升级为红色</headline>
    <area><areaDesc>虎门镇</areaDesc></area>
  </info>
</alert>
"""

CANCEL = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>44190041600000_20260721150000</identifier>
  <sender>{SENDER}</sender>
  <sent>2026-07-21T15:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Cancel</msgType>
  <scope>Public</scope>
  <references>{SENDER},{IDENTIFIER},{SENT}
    {SENDER},44190041600000_20260721093000,2026-07-21T09:30:00+08:00</references>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Past</urgency>
    <severity>Minor</severity>
    <certainty>Observed</certainty>
    <headline>东莞市气象台解除暴雨红色预警信号</headline>
  </info>
</alert>
"""


def info_only(info: str) -> bytes:
    """The orange alert's envelope around a single given `info` block."""
    head, _, _ = ORANGE_RAINSTORM.partition("  <info>")
    return f"{head}{info}</alert>".encode()


def refused(data: bytes | str) -> CapRefused:
    with pytest.raises(CapRefused) as caught:
        parse_cap(data.encode() if isinstance(data, str) else data)
    return caught.value


def test_orange_rainstorm_from_the_chinese_block():
    warning = parse_cap(ORANGE_RAINSTORM.encode())

    assert (warning.identifier, warning.sender, warning.msg_type) == (IDENTIFIER, SENDER, "Alert")
    assert warning.references == ()
    assert warning.headline == "东莞市气象台发布暴雨橙色预警信号"
    assert warning.event == "暴雨"
    assert warning.severity == "orange" and SEVERITY_LEVEL[warning.severity] == 2
    assert warning.sent == datetime(2026, 7, 21, 0, 0, tzinfo=UTC)
    assert warning.onset == datetime(2026, 7, 21, 0, 0, tzinfo=UTC)
    assert warning.expires == datetime(2026, 7, 21, 12, 0, tzinfo=UTC)
    assert all(moment.utcoffset() is not None for moment in (warning.sent, warning.onset, warning.expires))
    # CAP writes lat,lon; the circle is ignored.
    assert warning.polygons == (
        ((22.80, 113.60), (22.80, 113.75), (22.90, 113.75), (22.90, 113.60), (22.80, 113.60)),
    )
    assert warning.area_names == ("虎门镇", "长安镇", "厚街镇", "441900", "沙田镇", "441900123")


def test_update_upgrading_to_red_references_the_alert():
    warning = parse_cap(UPGRADE_TO_RED.encode())

    assert warning.msg_type == "Update"
    assert warning.references == (Reference(SENDER, IDENTIFIER, SENT),)
    # The headline names orange and red: the most severe is proposed.
    assert warning.severity == "red" and SEVERITY_LEVEL[warning.severity] == 1
    assert warning.sent == datetime(2026, 7, 21, 1, 30, tzinfo=UTC)
    assert (warning.onset, warning.expires, warning.polygons) == (None, None, ())
    assert warning.area_names == ("虎门镇",)


def test_cancel_references_every_message_it_ends():
    warning = parse_cap(CANCEL.encode())

    assert warning.msg_type == "Cancel"
    assert [reference.identifier for reference in warning.references] == [
        IDENTIFIER, "44190041600000_20260721093000",
    ]
    assert warning.references[1].sent == "2026-07-21T09:30:00+08:00"
    assert warning.severity == "red"  # from the headline, not CAP's Minor
    assert warning.area_names == ()


@pytest.mark.parametrize("document", [UPGRADE_TO_RED, CANCEL])
def test_update_and_cancel_need_references(document):
    start, _, rest = document.partition("  <references>")
    error = refused(start + rest.partition("</references>\n")[2])
    assert error.field == "references"
    assert "references" in str(error)


def test_a_reference_must_be_sender_identifier_sent():
    error = refused(UPGRADE_TO_RED.replace(f"{SENDER},{IDENTIFIER},", f"{IDENTIFIER},"))
    assert error.field == "references"


def test_english_only_document_uses_its_first_block():
    english = ORANGE_RAINSTORM.replace("<language>zh-CN</language>", "<language>en-GB</language>")
    warning = parse_cap(english.encode())
    assert warning.headline == "Dongguan Meteorological Observatory issues Rainstorm Orange Warning"
    assert warning.severity == "orange"
    assert len(warning.polygons) == 1


def test_colour_parameter_comes_before_headline_and_severity():
    warning = parse_cap(info_only("""
  <info>
    <language>zh-CN</language>
    <event>洪水</event>
    <severity>Moderate</severity>
    <headline>东江博罗站洪水黄色预警</headline>
    <parameter><valueName>预警级别</valueName><value>红色</value></parameter>
  </info>
"""))
    assert warning.severity == "red"


def test_english_colour_parameter():
    warning = parse_cap(info_only("""
  <info>
    <event>Flood</event>
    <severity>Minor</severity>
    <parameter><valueName>severity colour</valueName><value>Orange</value></parameter>
  </info>
"""))
    assert (warning.severity, warning.headline) == ("orange", "Flood")


@pytest.mark.parametrize(("severity", "colour"), [
    ("Extreme", "red"), ("Severe", "orange"), ("Moderate", "yellow"), ("Minor", "blue"),
])
def test_colour_from_cap_severity_without_a_colour_word(severity, colour):
    warning = parse_cap(info_only(f"""
  <info>
    <language>zh-CN</language>
    <event>山洪灾害</event>
    <severity>{severity}</severity>
    <headline>博罗县山洪灾害预警</headline>
    <parameter><valueName>预警级别</valueName><value>Ⅲ级</value></parameter>
  </info>
"""))
    assert warning.severity == colour


def test_unknown_severity_without_a_colour_word_is_refused():
    error = refused(info_only("""
  <info>
    <event>山洪灾害</event>
    <severity>Unknown</severity>
    <headline>博罗县山洪灾害预警</headline>
  </info>
"""))
    assert "no warning colour" in str(error)


@pytest.mark.parametrize("namespace", [
    "urn:oasis:names:tc:emergency:cap:1.1", "http://www.incident.com/cap/1.0",
])
def test_other_cap_versions_are_refused(namespace):
    error = refused(ORANGE_RAINSTORM.replace("urn:oasis:names:tc:emergency:cap:1.2", namespace))
    assert str(error).startswith("not a CAP 1.2 alert:")
    assert namespace in str(error)
    assert error.field == "document"


def test_another_root_is_refused():
    error = refused('<feed xmlns="http://www.w3.org/2005/Atom"><title>预警</title></feed>')
    assert str(error) == (
        "not a CAP 1.2 alert: the root element is <feed> in namespace http://www.w3.org/2005/Atom"
    )


@pytest.mark.parametrize("data", [
    '{"headline": "暴雨橙色预警", "severity": "orange"}', "", "<alert><identifier>x</alert>",
])
def test_not_xml_is_refused_with_the_parsers_reason(data):
    error = refused(data)
    assert str(error).startswith("the document is not well-formed XML: ")
    assert "line 1" in str(error)


@pytest.mark.parametrize("element", ["identifier", "sender", "sent", "status", "msgType", "scope"])
def test_missing_required_element_is_named(element):
    start, _, rest = ORANGE_RAINSTORM.partition(f"  <{element}>")
    error = refused(start + rest.partition("\n")[2])
    assert str(error) == f"missing required element <{element}>"
    assert error.field == element


def test_missing_info_and_event():
    assert refused(info_only("")).field == "info"
    error = refused(ORANGE_RAINSTORM.replace("<event>暴雨</event>", ""))
    assert (str(error), error.field) == ("missing required element <event>", "event")


@pytest.mark.parametrize("msg_type", ["Ack", "Error"])
def test_ack_and_error_are_refused(msg_type):
    error = refused(ORANGE_RAINSTORM.replace("<msgType>Alert</msgType>", f"<msgType>{msg_type}</msgType>"))
    assert str(error) == f"msgType {msg_type}: this service takes Alert, Update and Cancel"


@pytest.mark.parametrize("status", ["Exercise", "Test", "Draft"])
def test_only_actual_alerts_are_taken(status):
    error = refused(ORANGE_RAINSTORM.replace("<status>Actual</status>", f"<status>{status}</status>"))
    assert error.field == "status"


@pytest.mark.parametrize(("sent", "reason"), [
    ("2026-07-21T08:00:00", "has no time zone offset"),
    ("21/07/2026 08:00", "is not a date and time"),
    ("9999-12-31T23:00:00-08:00", "between the years 1900 and 9000"),
])
def test_bad_times_are_refused(sent, reason):
    error = refused(ORANGE_RAINSTORM.replace(f"<sent>{SENT}</sent>", f"<sent>{sent}</sent>"))
    assert reason in str(error)
    assert error.field == "sent"


def test_utc_written_as_minus_zero():
    warning = parse_cap(ORANGE_RAINSTORM.replace(SENT, "2026-07-21T00:00:00-00:00").encode())
    assert warning.sent == datetime(2026, 7, 21, tzinfo=UTC)


def test_identifier_with_a_space_is_refused():
    error = refused(ORANGE_RAINSTORM.replace(IDENTIFIER, "4419 0041"))
    assert error.field == "identifier"


@pytest.mark.parametrize("polygon", [
    "22.80,113.60 22.80,113.75 22.90,113.75 22.90,113.60",  # not closed
    "22.80,113.60 22.80,113.75 22.80,113.60",  # three points
    "113.60,22.80 113.75,22.80 113.75,22.90 113.60,22.80",  # lon,lat: latitude out of range
    "22.80,113.60 22.80,190 22.90,113.75 22.80,113.60",
    "22.80;113.60 22.80,113.75 22.90,113.75 22.80;113.60",
    "22.80,113.60 nan,113.75 22.90,113.75 22.80,113.60",
    "22.80,113.60 22.8,1_13 22.90,113.75 22.80,113.60",
    "",
])
def test_bad_polygon_is_refused(polygon):
    error = refused(ORANGE_RAINSTORM.replace(POLYGON, polygon))
    assert error.field == "polygon"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE alert [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>
"""

EXTERNAL_ENTITY = ORANGE_RAINSTORM.replace(
    '<alert xmlns', '<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<alert xmlns'
).replace("<headline>东莞市气象台发布暴雨橙色预警信号</headline>", "<headline>&xxe;</headline>")


@pytest.mark.parametrize("document", [
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    ORANGE_RAINSTORM.replace("<alert xmlns", "<!DOCTYPE alert>\n<alert xmlns"),
])
def test_dtd_and_entities_are_refused_never_expanded(document):
    started = time.perf_counter()
    error = refused(document)
    assert time.perf_counter() - started < 1
    assert str(error).endswith("DTD/entities are not allowed")
    assert "root:" not in str(error)


def test_huge_document_is_refused_before_parsing():
    padding = "<description>" + "暴雨" * 200_000 + "</description>"
    error = refused(ORANGE_RAINSTORM.replace("<instruction>", padding + "<instruction>"))
    assert str(error) == "the document is larger than 1 MB"
