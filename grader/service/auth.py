"""Who is asking: a bearer token (API, ``grader submit``) or a signed session cookie (browser).

A student's personal link (``/login?token=…``) sets the cookie: signed, HttpOnly, SameSite=Lax.
Cookie-authenticated requests that change state must echo the session's CSRF token in the
``X-CSRF-Token`` header; bearer requests are exempt (a browser never adds that header by itself).
A revoked token ends its sessions too: every request checks it again.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from grader.frozen import Frozen
from grader.service.db import Student, Token, reading
from grader.service.roster import active_token
from grader.service.state import Service, service

COOKIE = "grader_session"
SESSION_MAX_AGE_S = 14 * 86400
_SAFE = {"GET", "HEAD", "OPTIONS"}


class Principal(Frozen):
    role: Literal["student", "ta"]
    student_id: str | None
    name: str
    via: Literal["bearer", "cookie"]
    csrf_token: str | None = None


def signer(secret: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="grader-session")


def session_cookie(svc: Service, token_id: int) -> tuple[str, str]:
    """The cookie's value and its CSRF token."""
    csrf = secrets.token_urlsafe(24)
    return signer(svc.secret).dumps({"t": token_id, "c": csrf}), csrf


def _principal(session: Session, token: Token | None, via: Literal["bearer", "cookie"],
               csrf: str | None = None) -> Principal:
    if token is None or token.revoked_at is not None:
        raise HTTPException(401, "unknown or revoked token: ask your TA for a new link")
    name = token.label
    if token.student_id is not None:
        student = session.get(Student, token.student_id)
        name = student.name if student else name
    role: Literal["student", "ta"] = "ta" if token.role == "ta" else "student"
    return Principal(role=role, student_id=token.student_id, name=name, via=via, csrf_token=csrf)


def identify(request: Request, svc: Annotated[Service, Depends(service)]) -> Principal:
    """Who sends the request, before any CSRF check (pages check the token of their forms)."""
    header = request.headers.get("authorization")
    with reading(svc.factory) as session:
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise HTTPException(401, "send Authorization: Bearer TOKEN")
            return _principal(session, active_token(session, secret.strip()), "bearer")
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            raise HTTPException(401, "sign in with your personal link, or send Authorization: Bearer TOKEN")
        try:
            data = signer(svc.secret).loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            raise HTTPException(401, "the session cookie is invalid or expired: open your link "
                                     "again") from None
        return _principal(session, session.get(Token, int(data["t"])), "cookie", str(data["c"]))


def signed_in_as(request: Request, svc: Service) -> int | None:
    """The token id of this browser's valid session cookie, if it has one."""
    cookie = request.cookies.get(COOKIE)
    try:
        return int(signer(svc.secret).loads(cookie, max_age=SESSION_MAX_AGE_S)["t"]) if cookie else None
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def csrf_ok(who: Principal, sent: str) -> bool:
    return who.via == "bearer" or hmac.compare_digest(sent, who.csrf_token or "")


def principal(request: Request, svc: Annotated[Service, Depends(service)]) -> Principal:
    who = identify(request, svc)
    if request.method not in _SAFE and not csrf_ok(who, request.headers.get("x-csrf-token", "")):
        raise HTTPException(403, "missing or wrong X-CSRF-Token header (see GET /api/me)")
    return who


Anyone = Annotated[Principal, Depends(principal)]


def ta(who: Anyone) -> Principal:
    if who.role != "ta":
        raise HTTPException(403, "for TAs only")
    return who


def student(who: Anyone) -> Principal:
    if who.role != "student":
        raise HTTPException(403, "only students submit; TAs regrade")
    return who


TA = Annotated[Principal, Depends(ta)]
StudentOnly = Annotated[Principal, Depends(student)]
