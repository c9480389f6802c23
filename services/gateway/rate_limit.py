"""Abuse limits at the gateway's door: a request rate per API key and a stricter budget of failed
authentications per client address, both token buckets held in this process.

The bucket arithmetic (`TokenBuckets`) is a plain class with an injected clock. The middleware (`RateLimits`) is
plain ASGI rather than Starlette's BaseHTTPMiddleware, which runs every request in a task of its own behind a
memory stream: the API's latency would pay for it on every call.

Why not a library: `limits` (the one well-kept choice) reads the wall clock inside its storage, so its refusals
cannot be tested without sleeping, and its moving window keeps a timestamp per request; a token bucket is the few
lines of `TokenBuckets`, and answers the remaining count and the wait the headers need.

- **Requests**: one bucket per bearer token, keyed by the token's SHA-256 (never the token), so no request
  queries the database to find its tenant: a tenant's key has its bucket, and an unknown key burns its own.
  A request without a token draws on its client address's bucket. The web console's calls in process carry no
  token but the id of the key their session was opened with (`auth.CONSOLE_KEY_ID`): they draw on a bucket of
  that key's id, so the console's users behind one address do not share one. Past the burst: 429 `rate-limited`. The
  operator's admin token has no bucket (one trusted secret, and the operator's scripts must not be throttled).
  Headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "tenant";q=<burst>;w=<seconds to refill
  the burst>` and `RateLimit: "tenant";r=<requests left now>;t=<seconds until the bucket is full>` on every
  answer of a limited request; on a 429, `t` is the `Retry-After` (the draft asks both to name one moment).
- **Failed authentications**: every 401 the API answers spends one token of the client address's bucket
  (`auth_failure_limit` tokens, refilled over `auth_failure_window_s`). While it is empty, a request from that
  address answers 429 `too-many-auth-failures` without its key being checked (so guessing keys gets no
  answer), unless its key has been seen authenticated by this process: a colleague behind the same NAT with a
  working key goes on. The client address is uvicorn's, which takes `X-Forwarded-For` only from the proxies
  named in `FORWARDED_ALLOW_IPS` (default: loopback).
"""

import hashlib
import hmac
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from fastapi.security.base import SecurityBase
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.problems import problem_response
from services.gateway.auth import CONSOLE_KEY_ID

POLICY = "tenant"  # the policy's name in the RateLimit header fields
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes are not callers
_EPSILON = 1e-9  # refills are sums of float products: 0.05 s at 20/s is 0.9999999 of a token


# -- the arithmetic ----------------------------------------------------------------------------------------------

class Decision(NamedTuple):  # a tuple, not a frozen dataclass: one is made per request
    allowed: bool
    remaining: int = 0  # whole requests the bucket still holds
    retry_after_s: int = 0  # when refused: seconds until one request is allowed again
    reset_s: int = 0  # seconds until the bucket is full again


class TokenBuckets:
    """Token buckets by key: `burst` tokens each, refilled at `rate` per second, at most `max_keys` of them.

    A bucket that has refilled to `burst` is the same as no bucket, so those are dropped first when there are too
    many keys; past that the least recently used goes (it starts full again: an attacker needs more than
    `max_keys` keys in flight for it, and each unknown key also spends the address's auth failures)."""

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    @property
    def window_s(self) -> int:
        """Seconds an empty bucket takes to hold its whole burst again (the policy's window)."""
        return max(1, math.ceil(self.burst / self.rate))

    def take(self, key: str) -> Decision:
        """Spend one token if the bucket holds one: the decision, with what is left after it."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < 1:
            self._store(key, tokens, now)
            return self._decision(False, tokens)
        self._store(key, tokens - 1, now)
        return self._decision(True, tokens - 1)

    def peek(self, key: str) -> Decision:
        """Whether a token could be taken now, spending nothing."""
        tokens = self._tokens(key, self.clock())
        return self._decision(tokens >= 1, tokens)

    def empty_for(self, key: str) -> int | None:
        """Seconds until the key's bucket holds a token again, None when it holds one now (or has no bucket)."""
        if key not in self._buckets:
            return None
        decision = self.peek(key)
        return None if decision.allowed else decision.retry_after_s

    def spend(self, key: str) -> None:
        """Spend one token for something that already happened (a failed authentication); never below empty."""
        now = self.clock()
        self._store(key, max(0.0, self._tokens(key, now) - 1), now)

    def __len__(self) -> int:
        return len(self._buckets)

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + max(0.0, now - at) * self.rate + _EPSILON)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > self.max_keys:
            self._evict(now)

    def _evict(self, now: float) -> None:
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.burst]:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)

    def _decision(self, allowed: bool, tokens: float) -> Decision:
        retry_after = 0 if allowed else max(1, math.ceil((1 - tokens) / self.rate))
        return Decision(allowed=allowed, remaining=max(0, math.floor(tokens)), retry_after_s=retry_after,
                        reset_s=retry_after if not allowed else math.ceil((self.burst - tokens) / self.rate))


def policy_header(buckets: TokenBuckets) -> str:
    return f'"{POLICY}";q={buckets.burst};w={buckets.window_s}'


def rate_limit_header(decision: Decision) -> str:
    return f'"{POLICY}";r={decision.remaining};t={decision.reset_s}'


# -- the middleware ----------------------------------------------------------------------------------------------

def bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _authenticates(route) -> bool:
    """Whether a route takes a credential (a security scheme among its dependencies): only there does an answer
    below 400 prove that the request's key is good."""
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        if isinstance(dependant.call, SecurityBase):
            return True
        pending.extend(dependant.dependencies)
    return False


class _Recent:
    """A bounded set of the most recently added keys."""

    def __init__(self, size: int) -> None:
        self.size, self._keys = size, OrderedDict()

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def discard(self, key: str) -> None:
        self._keys.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._keys


class RateLimits:
    """ASGI middleware: the request buckets and the failed-authentication buckets (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, rate_per_s: float, burst: int, auth_failure_limit: int,
                 auth_failure_window_s: float, admin_token: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.admin_token = app, admin_token.encode()
        self.requests = TokenBuckets(rate_per_s, burst, clock=clock)
        self.auth_failures = TokenBuckets(auth_failure_limit / auth_failure_window_s, auth_failure_limit, clock=clock)
        self.known_good = _Recent(100_000)  # token hashes seen authenticated
        self._policy = (b"ratelimit-policy", policy_header(self.requests).encode())
        self._authenticating: dict[int, bool] = {}  # id(route) -> _authenticates(route); routes live as long as the app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        if token is not None and hmac.compare_digest(token.encode("utf-8", "surrogatepass"), self.admin_token):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown",))[0]
        console_key_id = scope.get(CONSOLE_KEY_ID)
        if token is not None:
            hashed = token_hash(token)
        else:
            hashed = f"console:{console_key_id}" if console_key_id is not None else None
        if hashed not in self.known_good:
            blocked_for = self.auth_failures.empty_for(address)
            if blocked_for is not None:
                await self._too_many_failures(scope, receive, send, blocked_for)
                return
        decision = self.requests.take(hashed or f"address:{address}")
        if not decision.allowed:
            await self._rate_limited(scope, receive, send, decision)
            return
        headers = [self._policy, (b"ratelimit", rate_limit_header(decision).encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == 401:
                    self.auth_failures.spend(address)
                    if hashed is not None:
                        self.known_good.discard(hashed)
                elif status < 400 and hashed is not None and self._route_authenticates(scope):
                    self.known_good.add(hashed)
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _route_authenticates(self, scope: Scope) -> bool:
        route = scope.get("route")
        if route is None:
            return False
        known = self._authenticating.get(id(route))
        if known is None:
            known = self._authenticating[id(route)] = _authenticates(route)
        return known

    async def _rate_limited(self, scope: Scope, receive: Receive, send: Send, decision: Decision) -> None:
        rate = self.requests.rate
        headers = {"RateLimit-Policy": policy_header(self.requests), "RateLimit": rate_limit_header(decision)}
        response = problem_response(
            Request(scope), 429, "Too many requests",
            f"This API key may send {self.requests.burst} requests at once and {rate:g} per second after that; "
            f"retry in {decision.retry_after_s} s.", "rate-limited",
            headers=headers | {"Retry-After": str(decision.retry_after_s)}, retry_after_s=decision.retry_after_s)
        await response(scope, receive, send)

    async def _too_many_failures(self, scope: Scope, receive: Receive, send: Send, retry_after_s: int) -> None:
        response = problem_response(
            Request(scope), 429, "Too many failed authentications",
            f"Requests from this address failed authentication {self.auth_failures.burst} times recently; "
            f"its requests without a working API key are refused for {retry_after_s} s.", "too-many-auth-failures",
            headers={"Retry-After": str(retry_after_s)}, retry_after_s=retry_after_s)
        await response(scope, receive, send)
