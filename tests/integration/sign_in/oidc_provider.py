"""An OpenID Connect provider for the tests, built on authlib's authorization server (its Flask
integration) and served on loopback: real discovery, an authorization endpoint (that signs in
the person the test chose, at once), a token endpoint with client authentication, single-use
codes and PKCE (S256, required), and the published keys. Each of its `Knobs` changes one thing
the library's own ID token encoder is given (which key, which algorithm, which claims): how a
misbehaving or compromised provider would answer. The protocol itself is the library's."""

import logging
import secrets
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import flask
import werkzeug.serving
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet, OctKey, RSAKey

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request (with its query)


def new_key() -> RSAKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()
    return key


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


@dataclass
class Knobs:
    """What the next ID tokens get wrong (the defaults: nothing)."""

    sign_with_other_key: bool = False  # a key the published set does not have
    other_key_claims_real_kid: bool = False  # ... naming the published key's id
    alg: str = "RS256"  # "none", or "HS256" keyed with the public key's PEM (key confusion)
    # Another audience (naming this client as `azp`, the authorized party, so that only an
    # `aud` check refuses it: authlib's own azp check would refuse it without).
    audience: str | None = None
    lifetime: int = 300  # seconds from now; negative: expired already
    nonce: str | None = None  # else the one the sign-in sent
    issuer: str | None = None  # else the provider's own
    deny: bool = False  # the person refuses (the authorization endpoint answers an error)


class PkceRequired(CodeChallenge):
    """Takes only sign-ins that use PKCE with S256 (authlib's own requires it only of public
    clients): a relying party that stopped sending it could not sign anyone in."""

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required")
        super().validate_code_challenge(grant, redirect_uri)


class TestProvider:
    """Start with `with TestProvider(...) as provider`; `provider.user` is who signs in next
    (its claims), `provider.knobs` what the next tokens get wrong."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, client_id: str, client_secret: str, host: str = "127.0.0.1") -> None:
        self.host = host
        self.key = new_key()
        self.other_key = new_key()
        self.client = Client(client_id, client_secret, [])
        self.codes: dict[str, Code] = {}
        self.user: dict[str, Any] = {}
        self.knobs = Knobs()
        self.token_requests = 0
        self.key_fetches = 0
        self.server: werkzeug.serving.BaseWSGIServer | None = None
        self.app = self._make_app()

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return f"http://{self.host}:{self.server.server_port}"

    def allow_redirect(self, uri: str) -> None:
        self.client.redirect_uris.append(uri)

    def rotate(self) -> None:
        """A new signing key, published in place of the old one."""
        self.key = new_key()

    def _signing_key(self) -> RSAKey:
        if not self.knobs.sign_with_other_key:
            return self.key
        if self.knobs.other_key_claims_real_kid:
            return RSAKey.import_key({**self.other_key.as_dict(private=True), "kid": self.key.kid})
        return self.other_key

    def _make_app(self) -> flask.Flask:
        provider = self
        app = flask.Flask(__name__)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = Code(
                    code, request.client.client_id, request.payload.redirect_uri,
                    request.payload.scope, dict(request.user), data.get("nonce"),
                    data.get("code_challenge"), data.get("code_challenge_method"),
                )  # fmt: skip

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)  # codes work once

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return False

            def get_client_algorithm(self, client):
                return provider.knobs.alg

            def resolve_client_private_key(self, client):
                if provider.knobs.alg == "HS256":  # HMAC keyed with the public key's PEM
                    pem = provider.key.as_pem(private=False)
                    return OctKey(pem, pem)  # the constructor skips import_key's refusal
                return provider._signing_key()

            def get_encode_header(self, client):
                return {"alg": provider.knobs.alg, "kid": provider._signing_key().kid}

            def get_client_claims(self, client):
                knobs = provider.knobs
                claims = {
                    "iss": knobs.issuer or provider.issuer,
                    "aud": knobs.audience or client.get_client_id(),
                    "exp": int(time.time()) + knobs.lifetime,
                }
                if knobs.audience:
                    claims["azp"] = client.get_client_id()
                return claims

            def get_authorization_code_claims(self, authorization_code):
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.knobs.nonce is not None:
                    claims["nonce"] = provider.knobs.nonce
                return claims

            def generate_user_info(self, user, scope):
                return UserInfo(user)

        server = AuthorizationServer(
            app, query_client=lambda client_id: self._client(client_id), save_token=lambda *_: None
        )
        server.register_grant(CodeGrant, [PkceRequired(required=True), IdToken(require_nonce=True)])

        @app.get("/.well-known/openid-configuration")
        @app.get("/<path:elsewhere>/.well-known/openid-configuration")
        def discovery(elsewhere: str = ""):
            # Also under any path: a relying party told that the issuer is <this>/<path>
            # reads a document that names another issuer (this one).
            issuer = provider.issuer
            return {
                "issuer": issuer,
                "authorization_endpoint": issuer + "/authorize",
                "token_endpoint": issuer + "/token",
                "jwks_uri": issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic", "client_secret_post"
                ],
            }  # fmt: skip

        @app.get("/jwks")
        def jwks():
            provider.key_fetches += 1
            return KeySet([provider.key]).as_dict(private=False)

        @app.get("/authorize")
        def authorize():
            # A real provider shows its sign-in page here; this one signs in `provider.user`.
            try:
                grant = server.get_consent_grant(end_user=provider.user)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            if provider.knobs.deny:
                return server.create_authorization_response(grant_user=None, grant=grant)
            return server.create_authorization_response(grant_user=provider.user, grant=grant)

        @app.post("/token")
        def token():
            provider.token_requests += 1
            with warnings.catch_warnings():  # joserfc warns when asked to sign with "none"
                warnings.simplefilter("ignore", SecurityWarning)
                return server.create_token_response()

        return app

    def _client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def __enter__(self) -> "TestProvider":
        self.server = werkzeug.serving.make_server(self.host, 0, self.app, threaded=True)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
