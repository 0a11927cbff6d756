"""Sign-in, sign-out and the accounts page (admins). The work is done by ``cockpit.access``.

The sign-in form is protected against login CSRF by a double-submit token: a random value in
a SameSite=Strict cookie that the form must echo. After sign-in every state-changing call
carries the session's own CSRF token (checked by ``Permit``).
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

import html
import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from cockpit import access
from cockpit.access import (
    OIDC_FLOW_COOKIE,
    OIDC_FLOW_LIFETIME,
    SESSION_LIFETIME,
    OidcConfig,
    OidcRefused,
    oidc_begin,
    oidc_configured,
    oidc_finish,
)
from cockpit.config import get_settings
from cockpit.web.auth import CSRF_FIELD, SESSION_COOKIE, Principal, allow, permit
from cockpit.web.deps import LangDep
from cockpit.web.i18n import Lang
from cockpit.web.routes.pages import render_page

# Pages and forms stay out of the OpenAPI; /api/access/me is in it.
router = APIRouter()
LOGIN_CSRF_COOKIE = "cockpit_login_csrf"
Admin = Annotated[Principal, Depends(permit("users.admin"))]
Text = Annotated[str, Form(max_length=400)]


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure in production and whenever the request came over TLS."""
    return get_settings().mode == "production" or request.url.scheme == "https"


def safe_next(target: str) -> str:
    """A local path to go back to after sign-in (never another site)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get(
    "/login", include_in_schema=False, response_class=HTMLResponse, dependencies=[allow("public")]
)
def login_page(request: Request, lang: LangDep, next: str = "/", error: bool = False) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    provider = oidc_configured()
    response = render_page(
        request,
        "login.html",
        lang,
        "signin",
        login_csrf=token,
        next_url=safe_next(next),
        error=error,
        oidc_name=provider.name if provider else "",
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request)
    )
    return response


@router.post("/login", include_in_schema=False, dependencies=[allow("public")])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=400)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf_token.encode()):
        raise access.Forbidden("the sign-in form expired; reload it", code="csrf", field=CSRF_FIELD)
    try:
        address = request.client.host if request.client else ""
        done = await run_in_threadpool(
            partial(access.sign_in, username=username, password=password, address=address)
        )
    except access.SignInRefused:
        limiter = getattr(request.app.state, "limiter", None)
        if limiter is not None and request.client is not None:
            limiter.fail(request.client.host)
        return RedirectResponse(f"/login?error=1&next={safe_next(next)}", status_code=303)
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_session(request, response, done.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _set_session(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )


def _provider() -> OidcConfig:
    provider = oidc_configured()
    if provider is None:
        raise access.NotFound("sign-in through an identity provider is not configured")
    return provider


@router.get("/login/oidc", include_in_schema=False, dependencies=[allow("public")])
def login_oidc(request: Request, next: Annotated[str, Query(max_length=400)] = "/") -> Response:
    """Leave for the identity provider; the flow (state, nonce, PKCE verifier) rides in a
    signed cookie that only the callback reads."""
    try:
        started = oidc_begin(_provider(), safe_next(next))
    except OidcRefused:
        return RedirectResponse(f"/login?error=1&next={safe_next(next)}", status_code=303)
    response = RedirectResponse(started.url, status_code=303)
    # Lax, not Strict: the provider sends the browser back by a cross-site redirect.
    response.set_cookie(
        OIDC_FLOW_COOKIE,
        started.cookie,
        max_age=OIDC_FLOW_LIFETIME,
        path=CALLBACK_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


CALLBACK_PATH = "/login/oidc/callback"
Param = Annotated[str, Query(max_length=4000)]


@router.get(CALLBACK_PATH, include_in_schema=False, dependencies=[allow("public")])
def login_oidc_callback(
    request: Request,
    code: Param = "",
    state: Param = "",
    error: Param = "",
) -> Response:
    """Back from the identity provider: check everything, open a session."""
    provider = _provider()
    try:
        done = oidc_finish(
            provider,
            flow_cookie=request.cookies.get(OIDC_FLOW_COOKIE, ""),
            params={"code": code, "state": state, "error": error},
            address=_address(request),
        )
    except OidcRefused:
        limiter = getattr(request.app.state, "limiter", None)
        if limiter is not None and request.client is not None:
            limiter.fail(request.client.host)
        response: Response = RedirectResponse("/login?error=1", status_code=303)
    else:
        # The session cookie is SameSite=Strict, so a browser would not send it on a redirect
        # that began at the provider: a page of our own moves on to the cockpit instead.
        target = html.escape(safe_next(done.next_url), quote=True)
        page = (
            '<!doctype html><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0;url={target}">'
            f'<title>Signed in</title><p><a href="{target}" id="continue">Continue / 继续</a></p>'
        )
        response = HTMLResponse(page)
        _set_session(request, response, done.signed.token)
    response.delete_cookie(OIDC_FLOW_COOKIE, path=CALLBACK_PATH)
    return response


@router.post("/logout", include_in_schema=False, dependencies=[allow("cockpit.read")])
async def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(access.end_session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _users_page(request: Request, lang: Lang, message: str = "", failed: bool = False) -> Response:
    pol = access.policy()
    labels = {
        r.name: (r.label_zh if lang == "zh-CN" else r.label_en)
        for r in pol.roles.values()
        if "user" in r.kinds
    }
    return render_page(
        request,
        "users.html",
        lang,
        "users",
        users=access.list_users(),
        role_labels=labels,
        message=message,
        failed=failed,
    )


@router.get("/admin/users", include_in_schema=False, response_class=HTMLResponse)
def users_page(request: Request, lang: LangDep, who: Admin) -> Response:
    return _users_page(request, lang)


@router.post("/admin/users", include_in_schema=False, response_class=HTMLResponse)
def create_user(
    request: Request,
    lang: LangDep,
    who: Admin,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    role: Annotated[str, Form(max_length=40)],
    display_name: Text = "",
    districts: Text = "",
) -> Response:
    codes = [c for c in districts.replace("，", ",").split(",") if c.strip()]
    try:
        access.create_user(
            by=who,
            address=_address(request),
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            districts=codes,
        )
    except access.AccountError as exc:
        return _users_page(request, lang, f"{exc.field}: {exc.message}", failed=True)
    return _users_page(request, lang, f"{username}: ✓")


@router.post(
    "/admin/users/{username}/disable", include_in_schema=False, response_class=HTMLResponse
)
def disable_user(request: Request, lang: LangDep, who: Admin, username: str) -> Response:
    access.disable_user(username=username, by=who, address=_address(request))
    return _users_page(request, lang, f"{username}: ✓")


@router.post("/admin/users/{username}/reset", include_in_schema=False, response_class=HTMLResponse)
def reset_password(
    request: Request,
    lang: LangDep,
    who: Admin,
    username: str,
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    try:
        access.reset_password(
            username=username, password=password, by=who, address=_address(request)
        )
    except access.AccountError as exc:
        return _users_page(request, lang, f"{exc.field}: {exc.message}", failed=True)
    return _users_page(request, lang, f"{username}: ✓")


class Me(BaseModel):
    """The caller: kind (user or key), name, role, districts, and the session's CSRF token."""

    kind: str
    name: str
    role: str
    districts: list[str]
    csrf_token: str


@router.get("/api/access/me", response_model=Me, tags=["access"])
def me(request: Request, who: Annotated[Principal, Depends(permit("self.read"))]) -> Me:
    return Me(
        kind=who.kind,
        name=who.name,
        role=who.role,
        districts=sorted(who.districts),
        csrf_token=getattr(request.state, "csrf_token", ""),
    )
