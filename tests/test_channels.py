"""Delivery channels against real local servers: the SMS gateway, the WeCom and DingTalk robots
(a capturing HTTP server) and mail (aiosmtpd)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from datetime import UTC, datetime

import pytest
from channel_servers import LocalSmtpServer, free_port, gateway, smtp_server  # noqa: F401

from coordinator.services.channels import (
    CHANNELS,
    DeliveryFailed,
    Recipient,
    batches,
    configured,
    deliver,
)

NOW = datetime(2026, 7, 21, 0, 30, 15, 250_000, tzinfo=UTC)
ZHANG = Recipient("张三", "13900000001", "zhang@example.cn")
LI = Recipient("李四", "13900000002")
WANG = Recipient("王五", "13900000003")
TEXT = "【防汛】甲镇水库 08:00 起值班,请按时到岗签到。"
ROBOT_OK = {"errcode": 0, "errmsg": "ok"}


def settings(**values) -> dict:
    return {"NOTIFY_TIMEOUT_SECONDS": 2, "SMTP_FROM": "duty@county.example.cn", **values}


def test_configured_lists_the_channels_that_are_on_in_order():
    assert configured({}) == ()
    assert configured(settings(SMS_URL="", WECOM_WEBHOOK="  ", DINGTALK_SECRET="SEC-only")) == ()
    assert configured(settings(SMTP_URL="smtp://mail:25", SMS_URL="http://sms/send")) == ("sms", "mail")
    everything = settings(SMS_URL="http://sms", WECOM_WEBHOOK="http://wecom", DINGTALK_WEBHOOK="http://ding",
                          SMTP_URL="smtp://mail")
    assert configured(everything) == CHANNELS
    assert [channel for channel in CHANNELS if batches(channel)] == ["wecom", "dingtalk"]


def test_sms_posts_phone_and_text_with_the_bearer_token(gateway):  # noqa: F811
    deliver("sms", settings(SMS_URL=gateway.url, SMS_TOKEN="tok-123"), [ZHANG], TEXT, now=NOW)
    [request] = gateway.wait_for(1)
    assert request.path == "/send"
    assert request.json == {"phone": "13900000001", "text": TEXT}
    assert request.headers["Authorization"] == "Bearer tok-123"


def test_sms_without_a_token_sends_no_authorization(gateway):  # noqa: F811
    deliver("sms", settings(SMS_URL=gateway.url), [LI], TEXT, now=NOW)
    [request] = gateway.wait_for(1)
    assert "Authorization" not in request.headers
    assert request.json["phone"] == "13900000002"


def test_sms_fails_while_the_gateway_is_down_then_delivers(gateway):  # noqa: F811
    config = settings(SMS_URL=gateway.url, SMS_TOKEN="tok-secret-9")
    gateway.fail_next(1, status=503)
    with pytest.raises(DeliveryFailed) as failure:
        deliver("sms", config, [ZHANG], TEXT, now=NOW)
    assert str(failure.value) == "HTTP 503 from the SMS gateway"
    deliver("sms", config, [ZHANG], TEXT, now=NOW)
    assert [request.json["phone"] for request in gateway.wait_for(2)] == ["13900000001"] * 2


@pytest.mark.parametrize("answer", [{"ok": False, "message": "blocked"}, {"error": "quota exceeded"}])
def test_sms_gateway_refusing_in_its_answer_is_a_failure(gateway, answer):  # noqa: F811
    gateway.answer_json(answer)
    with pytest.raises(DeliveryFailed, match="SMS gateway refused"):
        deliver("sms", settings(SMS_URL=gateway.url), [ZHANG], TEXT, now=NOW)


def test_an_unreachable_gateway_is_a_failure_without_the_secret():
    url = f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=robot-key-secret"
    for channel, key in (("sms", "SMS_URL"), ("wecom", "WECOM_WEBHOOK")):
        with pytest.raises(DeliveryFailed) as failure:
            deliver(channel, settings(**{key: url}, SMS_TOKEN="tok-secret-9"), [ZHANG], TEXT, now=NOW)
        assert "unreachable: Connection refused" in str(failure.value)
        assert "secret" not in str(failure.value)


def test_a_gateway_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/send"
        with pytest.raises(DeliveryFailed, match=r"^SMS gateway timed out after 0.2 s$"):
            deliver("sms", settings(SMS_URL=url, NOTIFY_TIMEOUT_SECONDS=0.2), [ZHANG], TEXT, now=NOW)


def test_sms_and_mail_take_exactly_one_recipient(gateway):  # noqa: F811
    for channel in ("sms", "mail"):
        with pytest.raises(ValueError):
            deliver(channel, settings(SMS_URL=gateway.url, SMTP_URL="smtp://127.0.0.1:1"), [ZHANG, LI], TEXT,
                    now=NOW)
    assert gateway.requests == []


def test_wecom_mentions_every_recipient_in_one_message(gateway):  # noqa: F811
    gateway.answer_json(ROBOT_OK)
    deliver("wecom", settings(WECOM_WEBHOOK=f"{gateway.url}?key=abc"), [ZHANG, LI, WANG], TEXT, now=NOW)
    [request] = gateway.wait_for(1)
    assert request.query == {"key": "abc"}
    assert request.json == {"msgtype": "text", "text": {
        "content": TEXT, "mentioned_mobile_list": ["13900000001", "13900000002", "13900000003"]}}


def test_wecom_errcode_is_a_failure(gateway):  # noqa: F811
    gateway.answer_json({"errcode": 93000, "errmsg": "invalid webhook url"})
    with pytest.raises(DeliveryFailed) as failure:
        deliver("wecom", settings(WECOM_WEBHOOK=gateway.url), [ZHANG], TEXT, now=NOW)
    assert str(failure.value) == "WeCom robot errcode 93000: invalid webhook url"


def test_wecom_http_error_is_a_failure(gateway):  # noqa: F811
    gateway.fail_next(1, status=502)
    with pytest.raises(DeliveryFailed, match="^HTTP 502 from the WeCom robot$"):
        deliver("wecom", settings(WECOM_WEBHOOK=gateway.url), [ZHANG], TEXT, now=NOW)


def test_a_robot_answer_without_errcode_is_a_failure(gateway):  # noqa: F811
    with pytest.raises(DeliveryFailed, match="unexpected answer from the DingTalk robot"):
        deliver("dingtalk", settings(DINGTALK_WEBHOOK=gateway.url), [ZHANG], TEXT, now=NOW)


def test_dingtalk_signs_the_request_and_mentions_the_phones(gateway):  # noqa: F811
    secret = "SEC0123456789abcdef"
    gateway.answer_json(ROBOT_OK)
    config = settings(DINGTALK_WEBHOOK=f"{gateway.url}?access_token=tok", DINGTALK_SECRET=secret)
    deliver("dingtalk", config, [ZHANG, WANG], TEXT, now=NOW)
    [request] = gateway.wait_for(1)
    assert request.query["access_token"] == "tok"
    assert request.query["timestamp"] == str(int(NOW.timestamp()) * 1000 + 250)
    expected = hmac.new(secret.encode(), f"{request.query['timestamp']}\n{secret}".encode(),
                        hashlib.sha256).digest()
    assert base64.b64decode(request.query["sign"]) == expected
    assert request.json == {"msgtype": "text", "text": {"content": TEXT},
                            "at": {"atMobiles": ["13900000001", "13900000003"], "isAtAll": False}}


def test_dingtalk_without_a_secret_is_unsigned_and_errcode_fails(gateway):  # noqa: F811
    gateway.answer_json({"errcode": 310000, "errmsg": "sign not match"})
    with pytest.raises(DeliveryFailed, match="^DingTalk robot errcode 310000: sign not match$"):
        deliver("dingtalk", settings(DINGTALK_WEBHOOK=gateway.url), [LI], TEXT, now=NOW)
    [request] = gateway.wait_for(1)
    assert request.query == {}


def test_mail_arrives_with_chinese_subject_and_body(smtp_server):  # noqa: F811
    deliver("mail", settings(SMTP_URL=smtp_server.url), [ZHANG], TEXT, now=NOW)
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "防汛值班通知"
    assert message["From"] == "duty@county.example.cn"
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("张三", "zhang@example.cn")
    assert message.get_content().strip() == TEXT
    assert message["Date"].datetime == NOW.replace(microsecond=0)


def test_mail_logs_in_when_the_url_carries_credentials():
    with LocalSmtpServer(login=("duty", "pa55word")) as server:
        deliver("mail", settings(SMTP_URL=server.url), [ZHANG], TEXT, now=NOW)
        assert server.wait_for(1)[0]["To"].addresses[0].addr_spec == "zhang@example.cn"
        wrong = server.url.replace("pa55word", "guess")
        with pytest.raises(DeliveryFailed, match="^SMTP error: .*535"):
            deliver("mail", settings(SMTP_URL=wrong), [ZHANG], TEXT, now=NOW)
        assert len(server.messages) == 1


def test_mail_without_an_address_is_a_failure(smtp_server):  # noqa: F811
    with pytest.raises(DeliveryFailed, match="^no mail address$"):
        deliver("mail", settings(SMTP_URL=smtp_server.url), [LI], TEXT, now=NOW)
    assert smtp_server.messages == []


def test_a_refused_mail_server_is_a_failure():
    with pytest.raises(DeliveryFailed, match="^mail server unreachable: Connection refused$"):
        deliver("mail", settings(SMTP_URL=f"smtp://127.0.0.1:{free_port()}"), [ZHANG], TEXT, now=NOW)
