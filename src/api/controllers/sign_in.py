"""Single sign-on over HTTP: the browser is sent to the school's provider and back, and the web
client exchanges the one-time code it is then handed for its token. Start and callback are
page navigations, so they always answer with a redirect, never an error body: to the
provider, or back to the web client with what went wrong (`#/sign-in?error=<reason>`)."""

import logging
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect

from api.authentication import PUBLIC
from api.openapi import failures
from api.public_url import public_base_url
from api.schemas import Success, TokenResponse
from api.sign_in_schemas import ExchangeRequest, SignInOptionsResponse, SignInProviderResponse
from domain.ports import Unavailable
from domain.sign_in import SignInCallback, SignInFailure, SignInRefused
from services.auth import AuthService
from services.single_sign_on import PENDING_LIFETIME, SingleSignOnService

log = logging.getLogger(__name__)

PENDING_COOKIE = "la_oidc"  # the sealed pending sign-in, while the browser is at the provider
PENDING_PATH = "/auth/oidc"
NO_STORE = {"cache-control": "no-store"}


def redirect_uri(request: Request[Any, Any, Any], public_url: str | None, provider: str) -> str:
    """The callback address, exactly as it is registered at the provider."""
    return f"{public_base_url(request, public_url)}auth/oidc/{provider}/callback"


def pending_cookie(value: str, secure: bool) -> Cookie:
    # Lax, not Strict: the callback arrives as a navigation from the provider's site, and a
    # Strict cookie would not come with it.
    return Cookie(
        key=PENDING_COOKIE,
        value=value,
        path=PENDING_PATH,
        max_age=int(PENDING_LIFETIME.total_seconds()) if value else 0,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def back_to_sign_in(
    failure: SignInFailure, provider: str, error: Exception, status_code: Literal[302, 303]
) -> Redirect:
    # A token that does not check out may be an attack: a warning. Never the code or a token.
    level = logging.WARNING if failure is SignInFailure.REFUSED else logging.INFO
    log.log(level, "sign-in with %s refused: %s", provider, error)
    return Redirect(
        f"/#/sign-in?error={failure.value}",
        status_code=status_code,
        headers=NO_STORE,
        cookies=[pending_cookie("", secure=False)],
    )


@get("/auth/oidc/providers", opt=PUBLIC, tags=["auth"], responses=failures())
async def sign_in_options(
    sign_on_service: NamedDependency[SingleSignOnService],
    auth_service: NamedDependency[AuthService],
) -> Success[SignInOptionsResponse]:
    """The providers the sign-in page offers ("Sign in with ..."), and who may log in with a
    password (`everyone`, or `admins` only)."""
    providers = [SignInProviderResponse(p.key, p.name) for p in sign_on_service.providers()]
    return Success(data=SignInOptionsResponse(providers, auth_service.password_login.value))


@get(
    "/auth/oidc/{provider:str}/start",
    opt=PUBLIC,
    tags=["auth"],
    status_code=302,
    responses=failures(),
)
async def start_sign_in(
    request: Request[Any, Any, Any],
    provider: FromPath[str],
    sign_on_service: NamedDependency[SingleSignOnService],
    public_url: NamedDependency[str | None],
) -> Redirect:
    """Sends the browser to the provider's sign-in page, and keeps what its return must match
    in a cookie (`la_oidc`: HttpOnly, SameSite=Lax, this path only, 10 minutes)."""
    callback_uri = redirect_uri(request, public_url, provider)
    try:
        started = await sign_on_service.start(provider, callback_uri)
    except SignInRefused as refused:
        return back_to_sign_in(refused.failure, provider, refused, 302)
    except Unavailable as error:
        return back_to_sign_in(SignInFailure.UNAVAILABLE, provider, error, 302)
    secure = callback_uri.startswith("https:")
    return Redirect(
        started.authorization_url,
        status_code=302,
        headers=NO_STORE,
        cookies=[pending_cookie(started.sealed, secure)],
    )


@get(
    "/auth/oidc/{provider:str}/callback",
    opt=PUBLIC,
    tags=["auth"],
    status_code=303,
    responses=failures(),
)
async def finish_sign_in(
    request: Request[Any, Any, Any],
    provider: FromPath[str],
    sign_on_service: NamedDependency[SingleSignOnService],
    public_url: NamedDependency[str | None],
    code: Annotated[str | None, QueryParameter(description="The authorization code")] = None,
    returned_state: Annotated[
        str | None, QueryParameter(name="state", description="What the sign-in began with")
    ] = None,
    error: Annotated[str | None, QueryParameter(description="The provider's refusal")] = None,
    iss: Annotated[str | None, QueryParameter(description="The issuer that answered")] = None,
) -> Redirect:
    """Where the provider sends the browser back. Always forgets the pending sign-in (the
    cookie), and sends the browser to the web client: `#/sign-in/<one-time code>`, which the
    client exchanges for its token (the token itself is never in an address), or
    `#/sign-in?error=<reason>`."""
    callback = SignInCallback(code=code, state=returned_state, error=error, issuer=iss)
    try:
        one_time_code = await sign_on_service.finish(
            provider,
            callback,
            request.cookies.get(PENDING_COOKIE),
            redirect_uri(request, public_url, provider),
        )
    except SignInRefused as refused:
        return back_to_sign_in(refused.failure, provider, refused, 303)
    except Unavailable as unavailable:
        return back_to_sign_in(SignInFailure.UNAVAILABLE, provider, unavailable, 303)
    return Redirect(
        f"/#/sign-in/{one_time_code}",
        status_code=303,
        headers=NO_STORE,
        cookies=[pending_cookie("", secure=False)],
    )


@post(
    "/auth/oidc/exchange", opt=PUBLIC, tags=["auth"], status_code=200, responses=failures(400, 413)
)
async def exchange_sign_in_code(
    data: JSONBody[ExchangeRequest], sign_on_service: NamedDependency[SingleSignOnService]
) -> Success[TokenResponse]:
    """The token for a sign-in's one-time code: the same token `POST /auth/login` gives. The
    code works once, for 60 seconds."""
    return Success(data=TokenResponse(token=await sign_on_service.exchange(data.code)))
