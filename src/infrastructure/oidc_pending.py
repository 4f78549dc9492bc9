"""A pending sign-in, sealed for the browser to keep (in an HttpOnly cookie) while it is at the
provider: an HS256 token under a key of its own, derived from JWT_SECRET, so no other token
of ours can pass for one, nor one for them."""

import hashlib
import hmac
from datetime import datetime

import jwt

from domain.sign_in import PendingSignIn

AUDIENCE = "live-attendance:pending-sign-in"


class JwtPendingSignInSeal:
    algorithm = "HS256"

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"pending sign-in", hashlib.sha256).digest()

    def seal(self, pending: PendingSignIn, expires_at: datetime) -> str:
        claims = {
            "aud": AUDIENCE,
            "exp": expires_at,
            "provider": pending.provider,
            "state": pending.state,
            "nonce": pending.nonce,
            "verifier": pending.code_verifier,
        }
        return jwt.encode(claims, self._key, algorithm=self.algorithm)

    def open(self, sealed: str, now: datetime) -> PendingSignIn | None:
        try:
            claims = jwt.decode(
                sealed,
                self._key,
                algorithms=[self.algorithm],
                audience=AUDIENCE,
                options={"require": ["exp", "aud"], "verify_exp": False},
            )
            if float(claims["exp"]) <= now.timestamp():
                return None
            pending = PendingSignIn(
                claims["provider"], claims["state"], claims["nonce"], claims["verifier"]
            )
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            return None
        fields = (pending.provider, pending.state, pending.nonce, pending.code_verifier)
        return pending if all(isinstance(value, str) for value in fields) else None
