"""Sign-in, sign-out and the accounts page (admins). The work is done by ``cockpit.access``.

The sign-in form is protected against login CSRF by a double-submit token: a random value in
a SameSite=Strict cookie that the form must echo. After sign-in every state-changing call
carries the session's own CSRF token (checked by ``Permit``).
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from cockpit import access
from cockpit.access import SESSION_LIFETIME
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
    response = render_page(
        request,
        "login.html",
        lang,
        "signin",
        login_csrf=token,
        next_url=safe_next(next),
        error=error,
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
    response.set_cookie(
        SESSION_COOKIE,
        done.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
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
