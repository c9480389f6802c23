"""The console's session and CSRF tokens: what is signed into its cookies, and checked on every request.

A session cookie holds who signed in, never a secret: a tenant's session names the id of the API key it was opened
with (the in-process API checks that key on every call, so revoking it or suspending the tenant ends the session),
an operator's a fingerprint of the admin token (changing the token ends every operator session). It is signed and
timestamped with itsdangerous, so it cannot be forged or kept past its lifetime.

CSRF: a random nonce in its own cookie, and every form carries that nonce signed (a signed double-submit token);
a write whose token does not match its cookie's nonce is refused. SameSite=Strict on both cookies already keeps
other sites' requests from carrying them; the token holds even where a browser ignores SameSite."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "sy_console_session"
CSRF_COOKIE = "sy_console_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
TENANT, OPERATOR = "tenant", "operator"


@dataclass(frozen=True)
class Session:
    role: str  # TENANT or OPERATOR
    key_id: uuid.UUID | None = None  # a tenant's: the key it signed in with
    tenant_id: uuid.UUID | None = None
    admin_fingerprint: str | None = None  # an operator's


def admin_fingerprint(admin_token: str) -> str:
    """Enough of the admin token's hash to notice it changed, nothing that helps guess it."""
    return hashlib.sha256(b"switchyard-console:" + admin_token.encode()).hexdigest()[:16]


class Signer:
    """Signs and reads the session and CSRF values with the console's secret."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self.ttl_s = ttl_s
        self._sessions = URLSafeTimedSerializer(secret, salt="switchyard-console-session")
        self._csrf = URLSafeTimedSerializer(secret, salt="switchyard-console-csrf")

    def dump_session(self, session: Session) -> str:
        payload = {"r": session.role, "k": session.key_id and str(session.key_id),
                   "t": session.tenant_id and str(session.tenant_id), "f": session.admin_fingerprint}
        return self._sessions.dumps(payload)

    def load_session(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or None when it is missing, forged, malformed or expired."""
        if not cookie:
            return None
        try:
            payload = self._sessions.loads(cookie, max_age=self.ttl_s)
            if payload["r"] == TENANT:
                return Session(TENANT, key_id=uuid.UUID(payload["k"]), tenant_id=uuid.UUID(payload["t"]))
            if payload["r"] == OPERATOR:
                return Session(OPERATOR, admin_fingerprint=str(payload["f"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        return None

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(24)

    def csrf_token(self, nonce: str) -> str:
        return self._csrf.dumps(nonce)

    def csrf_valid(self, token: str | None, nonce: str | None) -> bool:
        if not token or not nonce:
            return False
        try:
            signed = self._csrf.loads(token, max_age=self.ttl_s)
        except BadSignature:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, nonce)
