"""Accounts: password hashing, bearer tokens, login throttling and staff sign-in links."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import ROLES, LinkRefusal, LoginFailure, Person, StaffLink, User
from . import audit

TOKEN_SALT = "coordinator-api-token"
# scrypt is memory-hard; werkzeug's defaults follow current guidance for interactive logins.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A request about accounts that cannot be done (exists, wrong role, weak password)."""


class UsernameTaken(AccountError):
    """Another account has this name already."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account or a field worker signed in by a staff link."""

    role: str
    user_id: int | None
    person_id: int | None
    label: str
    # The unit whose subtree the caller sees and acts on; None: the whole organisation.
    unit_id: int | None = None
    # The loaded row, kept so that the session's identity map (weak) still has it when the
    # request asks for the caller again: one query fewer on every check-in.
    record: object = field(default=None, compare=False, repr=False)

    @property
    def actor(self) -> audit.Actor:
        return audit.Actor(self.label, self.role)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def create_user(
    db: Session,
    username: str,
    role: str,
    password: str,
    *,
    at: datetime,
    actor: audit.Actor = audit.SYSTEM,
    display_name: str | None = None,
    person_id: int | None = None,
    unit_id: int | None = None,
) -> User:
    """Create an account (seeing only `unit_id`'s subtree, when given); refuses an existing
    name, an unknown role or a short password."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise UsernameTaken(f"a user named {username!r} already exists")
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        display_name=display_name,
        person_id=person_id,
        unit_id=unit_id,
        created_at=at,
    )
    db.add(user)
    after = {"username": username, "role": role, "display_name": display_name,
             "unit_id": unit_id}
    audit.record(db, actor, "create", user, at=at, after=after)
    return user


class OwnAccount(AccountError):
    """An administrator may not disable the account they are signed in with."""


def disable_account(db: Session, actor: Principal, at: datetime, user: User) -> bool:
    """Disable an account for good: its tokens, sessions and live connections stop working
    (every request, and the live connections' check, read `active`); audited. There is no
    enabling again, which would bring back every token it ever had: make a new account.
    False when it was disabled already."""
    if not user.active:
        return False
    if user.id == actor.user_id:
        raise OwnAccount("you cannot disable the account you are signed in with")
    user.active = False
    audit.record(db, actor.actor, "disable", user, at=at, before={"active": True},
                 after={"active": False})
    return True


def principal_for_user(user: User) -> Principal:
    return Principal(user.role, user.id, user.person_id, user.username, user.unit_id, user)


def principal_for_person(person: Person | PersonCard) -> Principal:
    return Principal("staff", None, person.id, f"{person.name} ({person.phone})", record=person)


class PersonCard(NamedTuple):
    """What a field request needs of its caller: read with one plain query, not an ORM load."""

    id: int
    name: str
    phone: str


# The person behind a field worker's bearer token (every check-in reads it).
ACTIVE_PERSON = select(Person.id, Person.name, Person.phone).where(
    Person.id == bindparam("person_id"), Person.active.is_(True))


def failures_in_window(db: Session, username: str, address: str, since: datetime) -> tuple[int, int]:
    """Failures for this account from this address, and from this address for any account."""
    by_user = db.scalar(
        select(func.count()).where(LoginFailure.username == username,
                                   LoginFailure.address == address, LoginFailure.at >= since)
    )
    by_address = db.scalar(
        select(func.count()).where(LoginFailure.address == address, LoginFailure.at >= since)
    )
    return by_user or 0, by_address or 0


@dataclass
class LoginResult:
    user: User | None
    throttled: bool = False


def authenticate(
    db: Session,
    username: str,
    password: str,
    address: str,
    *,
    at: datetime,
    max_failures: int,
    window: timedelta,
) -> LoginResult:
    """Check a password, counting failures per account and address, and per address, within the
    window: a guesser elsewhere cannot lock the owner out of their own account, and one address
    gets `max_failures` guesses in all."""
    since = at - window
    by_user, by_address = failures_in_window(db, username, address, since)
    if by_user >= max_failures or by_address >= max_failures:
        return LoginResult(None, throttled=True)
    user = db.scalar(select(User).where(User.username == username))
    # An unknown name costs one hash too, so that timing does not tell which names exist.
    stored = user.password_hash if user is not None else _dummy_hash()
    if check_password_hash(stored, password) and user is not None and user.active:
        return LoginResult(user)
    db.add(LoginFailure(username=username[:80], address=address[:64], at=at))
    db.execute(delete(LoginFailure).where(LoginFailure.at < since))
    return LoginResult(None)


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=TOKEN_SALT)


def issue_token(secret_key: str, principal: Principal, *, at: datetime, ttl: timedelta):
    """A signed bearer token for an account (`u`) or a field worker (`p`), and when it expires."""
    expires_at = at + ttl
    subject = {"u": principal.user_id} if principal.user_id else {"p": principal.person_id}
    subject["exp"] = int(expires_at.timestamp())
    return _serializer(secret_key).dumps(subject), expires_at


def token_expires_at(secret_key: str, token: str) -> datetime | None:
    """When a genuine bearer token expires (None for anything else)."""
    try:
        subject = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    expires = subject.get("exp") if isinstance(subject, dict) else None
    return datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) else None


def read_token(db: Session, secret_key: str, token: str, *, at: datetime):
    """The principal a bearer token stands for, or None when it is forged, expired or revoked."""
    if not token.isascii():  # our tokens are URL-safe base64; this one cannot even be encoded
        return None
    try:
        subject = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(subject, dict) or not isinstance(subject.get("exp"), int):
        return None
    if subject["exp"] <= at.timestamp():
        return None
    if isinstance(subject.get("u"), int):
        user = db.get(User, subject["u"])
        return principal_for_user(user) if user is not None and user.active else None
    if isinstance(subject.get("p"), int):
        row = db.connection().execute(ACTIVE_PERSON, {"person_id": subject["p"]}).first()
        return principal_for_person(PersonCard(*row)) if row is not None else None
    return None


def principal_from_session(db: Session, data: dict, device_key: str | None):
    """The principal stored in a browser session, if still valid (a phone: still bound to it)."""
    if "user_id" in data:
        user = db.get(User, data["user_id"])
        return principal_for_user(user) if user is not None and user.active else None
    if "person_id" in data:
        if not device_matches(db, data.get("link_id"), data["person_id"], device_key):
            return None
        person = db.get(Person, data["person_id"])
        return principal_for_person(person) if person is not None and person.active else None
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def create_staff_link(
    db: Session, person: Person, *, actor: Principal, at: datetime, ttl: timedelta
) -> tuple[StaffLink, str]:
    """A one-time sign-in code for a field worker's phone (stored hashed)."""
    code = secrets.token_urlsafe(24)
    link = StaffLink(
        person_id=person.id,
        code_hash=_code_hash(code),
        created_by=actor.user_id,
        created_at=at,
        expires_at=at + ttl,
    )
    db.add(link)
    after = {"person_id": person.id, "expires_at": link.expires_at}
    audit.record(db, actor.actor, "create", link, at=at, after=after)
    return link, code


@dataclass
class LinkOpening:
    """What opening a staff link on a phone gave: the person, or a refusal, and the device key."""

    person: Person | None = None
    link: StaffLink | None = None
    device_key: str | None = None
    refused_because: str | None = None


def _bound_elsewhere(db: Session, device_hash: str, person_id: int) -> Person | None:
    other = db.scalar(select(StaffLink.person_id).where(
        StaffLink.device_key_hash == device_hash, StaffLink.person_id != person_id).limit(1))
    return None if other is None else db.get(Person, other)


def open_staff_link(db: Session, code: str, device_key: str | None, *, at: datetime,
                    address: str, user_agent: str) -> LinkOpening:
    """Sign a phone in by a link: the first phone binds it; any other phone is refused."""
    link = db.scalar(select(StaffLink).where(StaffLink.code_hash == _code_hash(code)))
    if link is None or link.expires_at <= at:
        return LinkOpening()
    person = db.get(Person, link.person_id)
    if person is None or not person.active:
        return LinkOpening()
    actor = principal_for_person(person).actor
    device_hash = _code_hash(device_key) if device_key else None
    if link.device_key_hash is not None and link.device_key_hash != device_hash:
        return _refuse(db, link, person, at, address, user_agent, "bound_to_another_phone")
    if link.device_key_hash is None:
        if device_hash is not None and _bound_elsewhere(db, device_hash, person.id):
            return _refuse(db, link, person, at, address, user_agent, "phone_belongs_to_another")
        device_key = device_key or secrets.token_urlsafe(32)
        before = audit.snapshot(link)
        link.device_key_hash = _code_hash(device_key)
        link.bound_at = at
        link.used_at = link.used_at or at
        audit.record(db, actor, "bind_device", link, at=at, before=before)
    return LinkOpening(person=person, link=link, device_key=device_key)


def _refuse(db: Session, link: StaffLink, person: Person, at: datetime, address: str,
            user_agent: str, reason: str) -> LinkOpening:
    refusal = LinkRefusal(staff_link_id=link.id, person_id=person.id, at=at,
                          address=address[:64], user_agent=user_agent[:300])
    db.add(refusal)
    audit.record(db, principal_for_person(person).actor, "refuse_device", refusal, at=at)
    return LinkOpening(person=person, link=link, refused_because=reason)


def device_matches(db: Session, link_id: int, person_id: int, device_key: str | None) -> bool:
    """A phone's session stays valid only while its link is bound to that phone."""
    link = db.get(StaffLink, link_id)
    return (link is not None and link.person_id == person_id and device_key is not None
            and link.device_key_hash == _code_hash(device_key))


def release_device(db: Session, actor: audit.Actor, at: datetime, person: Person) -> int:
    """Unbind the person's links from their phone, so that a new phone can open one."""
    links = db.scalars(select(StaffLink).where(StaffLink.person_id == person.id,
                                               StaffLink.device_key_hash.is_not(None))).all()
    for link in links:
        audit.apply_changes(db, actor, at, link, {"device_key_hash": None, "bound_at": None},
                            action="release_device")
    return len(links)
