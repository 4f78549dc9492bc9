"""Request and response bodies of single sign-on (msgspec)."""

from msgspec import Struct

from api.schemas import LinkToken


class SignInProviderResponse(Struct):
    key: str  # its sign-in starts at /auth/oidc/<key>/start
    name: str


class SignInOptionsResponse(Struct, rename="camel"):
    providers: list[SignInProviderResponse]
    password_login: str  # "everyone", or "admins": the others sign in with a provider


class ExchangeRequest(Struct):
    code: LinkToken  # the one-time code the callback put in the web client's address
