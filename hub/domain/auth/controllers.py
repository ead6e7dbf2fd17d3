"""Auth endpoints under ``/api/v1/auth``: register, login, refresh, logout, invite, invite/accept.

Browsers get the tokens as httpOnly cookies as well as in the body; API clients use the body.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from hub.domain.auth import schemas as s
from hub.domain.auth import services
from hub.domain.auth.deps import requires
from hub.domain.auth.security import ADMINS, Principal
from hub.domain.catalog.snapshots import commit_and_publish
from hub.middleware import ACCESS_COOKIE, REFRESH_COOKIE, client_address
from hub.settings import AppSettings
from hub.state import hub_state

_REFRESH_PATH = "/api/v1/auth"


def _cookies(tokens: s.TokenOut, settings: AppSettings) -> list[Cookie]:
    return [
        Cookie(
            key=ACCESS_COOKIE,
            value=tokens.access_token,
            path="/",
            httponly=True,
            secure=settings.cookie_secure,
            samesite="lax",
            max_age=settings.access_ttl,
        ),
        Cookie(
            key=REFRESH_COOKIE,
            value=tokens.refresh_token,
            path=_REFRESH_PATH,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="strict",
            max_age=settings.refresh_ttl,
        ),
    ]


def _expired_cookies() -> list[Cookie]:
    return [
        Cookie(key=ACCESS_COOKIE, value="", path="/", max_age=0, httponly=True),
        Cookie(key=REFRESH_COOKIE, value="", path=_REFRESH_PATH, max_age=0, httponly=True),
    ]


def _with_cookies(tokens: s.TokenOut, settings: AppSettings, status: int) -> Response[s.TokenOut]:
    return Response(tokens, status_code=status, cookies=_cookies(tokens, settings))


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/register", operation_id="authRegister", security=[], status_code=HTTP_201_CREATED)
    async def register(
        self, state: State, session: NamedDependency[AsyncSession], data: JSONBody[s.SignUp]
    ) -> Response[s.TokenOut]:
        """Create an organization and its owner; returns the owner's tokens."""
        settings = hub_state(state).settings.app
        tokens = await services.sign_up(session, data, settings)
        return _with_cookies(tokens, settings, HTTP_201_CREATED)

    @post("/login", operation_id="authLogin", security=[], status_code=HTTP_200_OK)
    async def login(
        self,
        request: Request[object, object, State],
        state: State,
        session: NamedDependency[AsyncSession],
        data: JSONBody[s.Login],
    ) -> Response[s.TokenOut]:
        """Sign in with email and password (rate-limited per account and per address)."""
        hub = hub_state(state)
        tokens = await services.login(session, data, hub.settings.app, hub.limits, client_address(request.scope))
        return _with_cookies(tokens, hub.settings.app, HTTP_200_OK)

    @post("/refresh", operation_id="authRefresh", security=[], status_code=HTTP_200_OK)
    async def refresh(
        self,
        request: Request[object, object, State],
        state: State,
        session: NamedDependency[AsyncSession],
        data: JSONBody[s.RefreshIn | None] = None,
    ) -> Response[s.TokenOut]:
        """Trade a refresh token (body or cookie) for a new pair; the old one is spent."""
        settings = hub_state(state).settings.app
        token = (data.refresh_token if data else None) or request.cookies.get(REFRESH_COOKIE)
        tokens = await services.refresh(session, token, settings)
        return _with_cookies(tokens, settings, HTTP_200_OK)

    @post("/logout", operation_id="authLogout", security=[], status_code=HTTP_204_NO_CONTENT)
    async def logout(
        self,
        request: Request[object, object, State],
        session: NamedDependency[AsyncSession],
        data: JSONBody[s.RefreshIn | None] = None,
    ) -> Response[None]:
        """Revoke the refresh token's family and clear the cookies."""
        token = (data.refresh_token if data else None) or request.cookies.get(REFRESH_COOKIE)
        await services.logout(session, token)
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=_expired_cookies())

    @post("/invite", operation_id="authInvite", status_code=HTTP_201_CREATED, guards=[requires(*ADMINS)])
    async def invite(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.InviteIn],
    ) -> s.InviteOut:
        """Invite a person to the organization with a role; they accept with the returned token."""
        return await services.invite(session, principal, data, hub_state(state).settings.app.invite_ttl)

    @post("/invite/accept", operation_id="authInviteAccept", security=[], status_code=HTTP_201_CREATED)
    async def accept(
        self, state: State, session: NamedDependency[AsyncSession], data: JSONBody[s.InviteAccept]
    ) -> Response[s.TokenOut]:
        """Accept an invitation: creates the account and signs it in."""
        hub = hub_state(state)
        tokens, user = await services.accept_invite(session, data, hub.settings.app)
        if user.pin_hash is not None and tokens.user.location_ids:
            await commit_and_publish(session, hub, user.org_id, tokens.user.location_ids)
        return _with_cookies(tokens, hub.settings.app, HTTP_201_CREATED)
