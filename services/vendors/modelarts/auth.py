"""The two ways to call ModelArts: a project-scoped IAM token, or AK/SK request signing.

AK/SK signatures are made by Huawei's own signer (`huaweicloudsdkcore`): the SDK's
`BasicCredentials.sign_request` adds `X-Project-Id`, `X-Sdk-Date` and `Host` and the
`SDK-HMAC-SHA256` Authorization header, exactly as the vendor's SDK clients send them.
"""

import asyncio
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from services.vendors.errors import AuthFailed, json_object
from services.vendors.modelarts.errors import error_details, vendor_error
from services.vendors.modelarts.settings import VENDOR, ModelArtsSettings
from services.vendors.transport import send

Query = Sequence[tuple[str, str]]
_STALE_TOKEN_CODES = frozenset({"ModelArts.0202", "ModelArts.0203"})  # expired, invalid


class Auth(Protocol):
    async def project_id(self) -> str:
        """The project the credentials act in (every ModelArts path names it)."""

    async def send(self, method: str, path: str, query: Query, body: bytes | None, *, base: str | None = None,
                   content_type: str = "application/json", timeout_s: float | None = None) -> httpx.Response:
        """Send an authenticated request to `{endpoint}{path}` (`{base}{path}` when given: a service's address);
        the answer is not checked."""


class TokenAuth:
    """`X-Auth-Token`: a project-scoped IAM token, fetched lazily and refreshed a margin before it
    expires; a token the server calls expired or invalid is fetched again, and the call retried once."""

    def __init__(self, client: httpx.AsyncClient, *, endpoint: str, iam_endpoint: str, username: str,
                 password: str, domain: str, project_name: str, project_id: str | None) -> None:
        self._client = client
        self._endpoint = endpoint
        self._iam_endpoint = iam_endpoint
        self._username, self._password, self._domain = username, password, domain
        self._project_name = project_name
        self._configured_project_id = project_id
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._token_project_id = ""
        self._refresh_at = 0.0  # time.monotonic()

    async def project_id(self) -> str:
        if self._configured_project_id:
            return self._configured_project_id
        return (await self._current())[1]

    async def send(self, method: str, path: str, query: Query, body: bytes | None, *, base: str | None = None,
                   content_type: str = "application/json", timeout_s: float | None = None) -> httpx.Response:
        options = {"content_type": content_type, "timeout": timeout_s or self._client.timeout}
        url = (base or self._endpoint) + path
        token, response = await self._send_once(method, url, query, body, **options)
        if response.status_code == 401 and error_details(response)[0] in _STALE_TOKEN_CODES:
            if self._token == token:
                self._token = None
            _, response = await self._send_once(method, url, query, body, **options)
        return response

    async def _send_once(self, method: str, url: str, query: Query, body: bytes | None, *, content_type: str,
                         timeout: Any) -> tuple[str, httpx.Response]:
        token, _ = await self._current()
        headers = {"X-Auth-Token": token, "Content-Type": content_type}
        return token, await send(self._client, VENDOR, method, url, headers=headers, content=body,
                                 params=list(query) or None, timeout=timeout)

    async def _current(self) -> tuple[str, str]:
        """(token, the token's project id)."""
        async with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                await self._fetch()
            assert self._token is not None
            return self._token, self._token_project_id

    async def _fetch(self) -> None:
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": self._username, "password": self._password, "domain": {"name": self._domain}}
                    },
                },
                "scope": {"project": {"name": self._project_name}},
            }
        }
        url = f"{self._iam_endpoint}/v3/auth/tokens"
        headers = {"Content-Type": "application/json"}
        response = await send(self._client, VENDOR, "POST", url, headers=headers, content=json.dumps(body).encode())
        if not response.is_success:
            raise vendor_error(response)
        token = response.headers.get("X-Subject-Token")
        if not token:
            raise AuthFailed(VENDOR, "IAM answered without an X-Subject-Token header", http_status=response.status_code)
        info = json_object(VENDOR, response).get("token") or {}
        expires_at = _parse_iso(info.get("expires_at"))
        issued_at = _parse_iso(info.get("issued_at")) or datetime.now(UTC)
        # Lifetime from IAM's own timestamps, so clock skew between us and IAM does not matter.
        lifetime_s = (expires_at - issued_at).total_seconds() if expires_at else 24 * 3600.0
        margin_s = min(600.0, 0.1 * lifetime_s)
        self._token = token
        self._token_project_id = str((info.get("project") or {}).get("id") or "")
        self._refresh_at = time.monotonic() + max(0.0, lifetime_s - margin_s)


class AkSkAuth:
    """`SDK-HMAC-SHA256` request signatures made by huaweicloudsdkcore's signer."""

    def __init__(self, client: httpx.AsyncClient, *, endpoint: str, iam_endpoint: str, ak: str, sk: str,
                 project_name: str, project_id: str | None) -> None:
        self._client = client
        self._endpoint = endpoint
        self._iam_endpoint = iam_endpoint
        self._ak, self._sk = ak, sk
        self._project_name = project_name
        self._project_id = project_id
        self._lock = asyncio.Lock()

    async def project_id(self) -> str:
        async with self._lock:
            if not self._project_id:
                self._project_id = await self._lookup_project_id()
            return self._project_id

    async def send(self, method: str, path: str, query: Query, body: bytes | None, *, base: str | None = None,
                   content_type: str = "application/json", timeout_s: float | None = None) -> httpx.Response:
        url, headers = self._sign(base or self._endpoint, method, path, query, body, await self.project_id(),
                                  content_type)
        return await send(self._client, VENDOR, method, url, headers=headers, content=body,
                          timeout=timeout_s or self._client.timeout)

    async def _lookup_project_id(self) -> str:
        """What the SDK does without a project id: ask IAM (signed) for the project of the region name."""
        query = [("name", self._project_name)]
        url, headers = self._sign(self._iam_endpoint, "GET", "/v3/projects", query, None, None, "application/json")
        response = await send(self._client, VENDOR, "GET", url, headers=headers)
        if not response.is_success:
            raise vendor_error(response)
        projects = json_object(VENDOR, response).get("projects") or []
        if len(projects) != 1 or not projects[0].get("id"):
            raise AuthFailed(VENDOR, f"IAM knows {len(projects)} projects named {self._project_name!r}; "
                                     "set SWITCHYARD_MODELARTS_PROJECT_ID")
        return str(projects[0]["id"])

    def _sign(self, base: str, method: str, path: str, query: Query, body: bytes | None,
              project_id: str | None, content_type: str) -> tuple[str, dict[str, str]]:
        """(url, headers) of the signed request; the URL carries the signer's canonical query string."""
        base_url = httpx.URL(base)
        request = SdkRequest(
            method=method,
            schema=base_url.scheme,
            host=base_url.netloc.decode("ascii"),
            resource_path=path,
            query_params=list(query),
            header_params={"Content-Type": content_type},
            body=body or b"",
        )
        signed = BasicCredentials(self._ak, self._sk, project_id).sign_request(request)
        return signed.url, {str(name): str(value) for name, value in signed.header_params.items()}


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def make_auth(settings: ModelArtsSettings, client: httpx.AsyncClient) -> Auth:
    """The scheme `settings.auth` names, for `settings`' endpoints and credentials."""
    endpoint = settings.endpoint.rstrip("/")
    iam_endpoint = (settings.iam_endpoint or settings.endpoint).rstrip("/")
    if settings.auth == "aksk":
        return AkSkAuth(client, endpoint=endpoint, iam_endpoint=iam_endpoint, ak=settings.ak,
                        sk=settings.sk.get_secret_value(), project_name=settings.project_name,
                        project_id=settings.project_id)
    return TokenAuth(client, endpoint=endpoint, iam_endpoint=iam_endpoint, username=settings.username,
                     password=settings.password.get_secret_value(), domain=settings.domain,
                     project_name=settings.project_name, project_id=settings.project_id)
