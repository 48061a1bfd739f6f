"""Notification delivery channels: SMS gateway, WeCom and DingTalk group robots, mail.

Each `deliver` call either delivers the message or raises `DeliveryFailed` with a short reason; it
never retries, because the outbox's sender does, with backoff. Settings come as a plain mapping (the
Flask config or any dict), so the module knows nothing of Flask. A reason never names a URL, token or
secret: robot webhooks carry their key in the query string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import ssl
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import requests

CHANNELS = ("sms", "wecom", "dingtalk", "mail")
MAIL_SUBJECT = "防汛值班通知"
REASON_LIMIT = 300
DEFAULT_TIMEOUT_SECONDS = 10
# The setting that switches each channel on.
_SWITCHES = {"sms": "SMS_URL", "wecom": "WECOM_WEBHOOK", "dingtalk": "DINGTALK_WEBHOOK", "mail": "SMTP_URL"}
_ROBOTS = frozenset({"wecom", "dingtalk"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: the robots mention the phone, mail needs the address."""

    name: str
    phone: str
    email: str | None = None


class DeliveryFailed(Exception):
    """The channel did not take the message; str() is the reason kept as the outbox row's last error."""

    def __init__(self, reason: str):
        super().__init__(reason[:REASON_LIMIT])


def configured(settings: Mapping) -> tuple[str, ...]:
    """The channels that are on, in `CHANNELS` order."""
    return tuple(channel for channel in CHANNELS if _setting(settings, _SWITCHES[channel]))


def batches(channel: str) -> bool:
    """True for the group robots, where one message may mention many recipients."""
    return channel in _ROBOTS


def deliver(channel: str, settings: Mapping, recipients: Sequence[Recipient], text: str, *,
            now: datetime) -> None:
    """Send `text` to `recipients` on `channel`, or raise `DeliveryFailed`."""
    if channel not in _SENDERS:
        raise ValueError(f"unknown channel {channel!r}")
    if not batches(channel) and len(recipients) != 1:
        raise ValueError(f"{channel} delivers to exactly one recipient, not {len(recipients)}")
    _SENDERS[channel](settings, recipients, text, now)


def _send_sms(settings: Mapping, recipients: Sequence[Recipient], text: str, now: datetime) -> None:
    token = _setting(settings, "SMS_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = _answer(_post(settings, _setting(settings, "SMS_URL"), "SMS gateway",
                           {"phone": recipients[0].phone, "text": text}, headers))
    if isinstance(answer, dict) and (answer.get("error") or answer.get("ok") is False):
        raise DeliveryFailed(f"SMS gateway refused the message: {answer.get('error') or answer}")


def _send_wecom(settings: Mapping, recipients: Sequence[Recipient], text: str, now: datetime) -> None:
    payload = {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": _phones(recipients)}}
    _check_robot(_post(settings, _setting(settings, "WECOM_WEBHOOK"), "WeCom robot", payload), "WeCom robot")


def _send_dingtalk(settings: Mapping, recipients: Sequence[Recipient], text: str, now: datetime) -> None:
    url = _setting(settings, "DINGTALK_WEBHOOK")
    secret = _setting(settings, "DINGTALK_SECRET")
    if secret:
        timestamp = _dingtalk_timestamp(now)
        separator = "&" if urllib.parse.urlsplit(url).query else "?"
        url = f"{url}{separator}timestamp={timestamp}&sign={_dingtalk_sign(secret, timestamp)}"
    payload = {"msgtype": "text", "text": {"content": text},
               "at": {"atMobiles": _phones(recipients), "isAtAll": False}}
    _check_robot(_post(settings, url, "DingTalk robot", payload), "DingTalk robot")


def _dingtalk_timestamp(now: datetime) -> int:
    """Milliseconds since the epoch, as DingTalk's signed robots expect (within an hour of theirs)."""
    return (now - _EPOCH) // timedelta(milliseconds=1)


def _dingtalk_sign(secret: str, timestamp: int) -> str:
    """DingTalk's robot signature: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, quoted."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def _send_mail(settings: Mapping, recipients: Sequence[Recipient], text: str, now: datetime) -> None:
    recipient = recipients[0]
    if not recipient.email:
        raise DeliveryFailed("no mail address")
    message = EmailMessage()
    message["Subject"] = MAIL_SUBJECT
    message["From"] = _setting(settings, "SMTP_FROM")
    try:
        message["To"] = Address(display_name=recipient.name, addr_spec=recipient.email)
    except ValueError as exc:  # the header parser's errors are ValueErrors
        raise DeliveryFailed(f"invalid mail address: {exc}") from exc
    message["Date"] = format_datetime(now)
    message.set_content(text)
    url = urllib.parse.urlsplit(_setting(settings, "SMTP_URL"))
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise DeliveryFailed("SMTP_URL must look like smtp://host:port or smtps://host:port")
    starttls = urllib.parse.parse_qs(url.query).get("starttls", [""])[0].lower() in ("1", "true", "yes")
    timeout = _timeout(settings)
    try:
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(url.hostname, url.port or 25, timeout=timeout)
        with smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if url.username:
                smtp.login(urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or ""))
            smtp.send_message(message)
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(f"SMTP error: {exc}") from exc
    except OSError as exc:
        raise DeliveryFailed(f"mail server unreachable: {_os_reason(exc)}") from exc


def _post(settings: Mapping, url: str, service: str, payload: dict,
          headers: Mapping[str, str] | None = None) -> requests.Response:
    """POST JSON; a network error or a non-2xx answer is a `DeliveryFailed` naming `service`."""
    timeout = _timeout(settings)
    try:
        response = requests.post(url, json=payload, headers=headers, timeout=timeout)
    except requests.Timeout as exc:
        raise DeliveryFailed(f"{service} timed out after {timeout:g} s") from exc
    except requests.ConnectionError as exc:
        raise DeliveryFailed(f"{service} unreachable: {_os_reason(exc)}") from exc
    except requests.RequestException as exc:  # e.g. a malformed URL: its text would show the key
        raise DeliveryFailed(f"{service} request failed: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code} from the {service}")
    return response


def _answer(response: requests.Response) -> object:
    """The JSON body of an answer, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def _check_robot(response: requests.Response, service: str) -> None:
    """WeCom and DingTalk answer 200 for everything; `errcode` 0 alone means the message was taken."""
    answer = _answer(response)
    if not isinstance(answer, dict) or "errcode" not in answer:
        raise DeliveryFailed(f"unexpected answer from the {service}: {response.text[:100]!r}")
    if answer["errcode"] != 0:
        raise DeliveryFailed(f"{service} errcode {answer['errcode']}: {answer.get('errmsg', '')}")


def _os_reason(exc: BaseException) -> str:
    """The operating system's words for a network error (e.g. "Connection refused"), never the URL."""
    reason, seen = None, exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.strerror:
            reason = seen.strerror
        seen = seen.__cause__ or seen.__context__
    return reason or type(exc).__name__


def _phones(recipients: Sequence[Recipient]) -> list[str]:
    return [recipient.phone for recipient in recipients if recipient.phone]


def _timeout(settings: Mapping) -> float:
    return float(settings.get("NOTIFY_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS)


def _setting(settings: Mapping, key: str) -> str:
    return str(settings.get(key) or "").strip()


_SENDERS: dict[str, Callable[[Mapping, Sequence[Recipient], str, datetime], None]] = {
    "sms": _send_sms, "wecom": _send_wecom, "dingtalk": _send_dingtalk, "mail": _send_mail,
}
