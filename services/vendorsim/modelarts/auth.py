"""Both ways a caller proves who it is: IAM tokens and AK/SK request signatures (`SDK-HMAC-SHA256`).

Signatures are checked the way Huawei's own SDK makes them: the canonical request, the string to
sign and the HMAC come from `huaweicloudsdkcore.signer.signer.Signer` itself (its canonicalization
methods are underscored but importable), so a request signed by the SDK, by the adapter or by any
client that follows Huawei's signing guide verifies here, and a wrong secret, a stale `X-Sdk-Date`
or a tampered body does not.
"""

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from services.vendorsim.modelarts.config import ModelArtsSimConfig
from services.vendorsim.modelarts.errors import ModelArtsError
from services.vendorsim.modelarts.wire import iso_z

ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# The SDK's form `Access=AK`; the document's sample (表 3-3) shows the older `Credential=AK/date//svc/sdk_request`.
_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256\s+(?:Access=(?P<ak>[^,\s]+)|Credential=(?P<credential>[^,\s]+)),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-fA-F]+)$"
)
_MAX_SIGNED_BODY = 12 * 1024 * 1024  # [DOC] AK/SK signing covers bodies up to 12 MB


@dataclass(frozen=True)
class _Token:
    project_id: str
    expires_at: float


class Tokens:
    def __init__(self, config: ModelArtsSimConfig) -> None:
        self._config = config
        self._tokens: dict[str, _Token] = {}

    def issue(self, now: float) -> tuple[str, _Token]:
        token = "MII" + secrets.token_urlsafe(48)
        record = _Token(self._config.project_id, now + self._config.token_ttl_s)
        self._tokens[token] = record
        return token, record

    def expire_all(self, now: float) -> None:
        self._tokens = {key: _Token(t.project_id, min(t.expires_at, now)) for key, t in self._tokens.items()}

    def project_of(self, token: str, now: float) -> str:
        record = self._tokens.get(token)
        if record is None:
            raise ModelArtsError(401, "ModelArts.0203", "Invalid token.", "Use a valid token.")
        if now >= record.expires_at:
            raise ModelArtsError(
                401, "ModelArts.0202", "Invalid token header because the token has expired.", "Use a valid token."
            )
        return record.project_id


def _signature_error(detail: str) -> ModelArtsError:
    return ModelArtsError(401, "ModelArts.0208", f"Failed to check the authorization request header. ({detail})")


def _format_error(detail: str) -> ModelArtsError:
    return ModelArtsError(401, "ModelArts.0206", f"Incorrect authorization request header format. ({detail})")


def verify_signature(
    *,
    method: str,
    raw_path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    secrets_by_ak: dict[str, str],
    now: float,
    max_skew_s: float,
) -> str:
    """The access key of a correctly signed request; raises the documented error otherwise.

    `headers` maps lower-case names to values.
    """
    match = _AUTHORIZATION.match(headers.get("authorization", "").strip())
    if match is None:
        raise _format_error(f"expected '{ALGORITHM} Access=..., SignedHeaders=..., Signature=...'")
    ak = match["ak"] or match["credential"].split("/", 1)[0]
    signed = match["signed"].lower().split(";")
    if "x-sdk-date" not in signed or "host" not in signed:
        raise _format_error("SignedHeaders must include host and x-sdk-date")
    missing = [name for name in signed if name not in headers]
    if missing:
        raise _signature_error(f"signed header {missing[0]} is missing")
    try:
        signed_at = datetime.strptime(headers["x-sdk-date"], SDK_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise _format_error("X-Sdk-Date must look like 20190307T101459Z") from None
    if abs(signed_at.timestamp() - now) > max_skew_s:
        raise _signature_error(f"X-Sdk-Date {headers['x-sdk-date']} is more than {max_skew_s:.0f} s off")
    secret = secrets_by_ak.get(ak)
    if secret is None:
        raise ModelArtsError(403, "ModelArts.0206", "Invalid AK/SK.")
    if len(body) > _MAX_SIGNED_BODY:
        raise ModelArtsError(413, "ModelArts.0101", "Invalid Argument. AK/SK-signed bodies may hold at most 12 MB.")

    signer = Signer(BasicCredentials(ak, secret))
    request = SdkRequest(
        method=method,
        resource_path=raw_path,
        query_params=list(query),
        header_params={name: headers[name] for name in signed},
        body=body,
    )
    # The same three steps as Signer.sign(), from the signer's own code.
    canonical = signer._process_canonical_request(request, signed)
    string_to_sign = signer._process_string_to_sign(canonical, signed_at.replace(tzinfo=None))
    expected = signer._sign_string_to_sign(string_to_sign, secret)
    if not hmac.compare_digest(expected, match["signature"].lower()):
        raise _signature_error("signature mismatch")
    return ak


class Authenticator:
    """Who is calling, by IAM token or AK/SK signature, and may they use this project?"""

    def __init__(self, config: ModelArtsSimConfig, tokens: Tokens) -> None:
        self._config = config
        self._tokens = tokens

    async def project_of(self, request: Request, now: float) -> str:
        """The project the caller's credentials belong to."""
        authorization = request.headers.get("authorization")
        if authorization and authorization.strip().startswith(ALGORITHM):
            await self.verify_aksk(request, now)
            return self._config.project_id
        token = request.headers.get("x-auth-token")
        if token:
            return self._tokens.project_of(token, now)
        if authorization:
            raise _format_error(f"unsupported scheme; use {ALGORITHM} or X-Auth-Token")
        raise ModelArtsError(401, "ModelArts.0201", "Token doesn't exist.", "Add a valid X-Auth-Token header.")

    async def authorize(self, request: Request, project_id: str, now: float) -> None:
        """Every ModelArts path names a project; it must be the caller's."""
        own = await self.project_of(request, now)
        header_project = request.headers.get("x-project-id")
        if project_id != own or (header_project and header_project != own):
            raise ModelArtsError(
                403,
                "ModelArts.0210",
                "The project id in the request URL does not match the token.",
                "Use the project ID the credentials belong to.",
            )

    async def verify_aksk(self, request: Request, now: float) -> str:
        return verify_signature(
            method=request.method,
            raw_path=request.scope["raw_path"].decode("latin-1"),
            query=list(request.query_params.multi_items()),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=await request.body(),
            secrets_by_ak={self._config.ak: self._config.sk},
            now=now,
            max_skew_s=self._config.signature_skew_s,
        )


def _iam_error(http_status: int, title: str, message: str) -> JSONResponse:
    # IAM is not ModelArts: it answers in Keystone's error shape (not in the ModelArts document).
    return JSONResponse({"error": {"code": http_status, "title": title, "message": message}}, status_code=http_status)


def iam_router(config: ModelArtsSimConfig, tokens: Tokens, authenticator: Authenticator) -> APIRouter:
    """The two IAM calls a ModelArts client makes: a project-scoped token, and (AK/SK) its project id."""
    router = APIRouter()
    domain = {"id": "d" + config.project_id[1:], "name": config.domain}
    user = {"id": "u" + config.project_id[1:], "name": config.username, "domain": domain}

    @router.post("/v3/auth/tokens")
    async def issue_token(request: Request) -> Response:
        try:
            auth = (await request.json())["auth"]
            password_user = auth["identity"]["password"]["user"]
            scope = auth["scope"]["project"]
            methods = auth["identity"]["methods"]
        except (ValueError, KeyError, TypeError):
            return _iam_error(400, "Bad Request", "The request body is invalid.")
        wrong_user = (
            password_user.get("name") != config.username
            or password_user.get("password") != config.password
            or (password_user.get("domain") or {}).get("name") != config.domain
            or methods != ["password"]
        )
        if wrong_user:
            return _iam_error(401, "Unauthorized", "The username or password is wrong.")
        wrong_scope = scope.get("name", config.project_name) != config.project_name or scope.get(
            "id", config.project_id
        ) != config.project_id
        if wrong_scope:
            return _iam_error(401, "Unauthorized", "The project in the scope is unknown.")
        now = config.clock()
        token, record = tokens.issue(now)
        body: dict[str, Any] = {
            "token": {
                "expires_at": iso_z(record.expires_at),
                "issued_at": iso_z(now),
                "methods": ["password"],
                "project": {"id": config.project_id, "name": config.project_name, "domain": domain},
                "user": user,
                "roles": [{"id": "0", "name": "op_user"}],
                "catalog": [],
            }
        }
        return JSONResponse(body, status_code=201, headers={"X-Subject-Token": token})

    @router.get("/v3/projects")
    async def list_projects(request: Request, name: str | None = None) -> Response:
        """[EXT] Keystone's project list, which huaweicloudsdkcore asks (AK/SK-signed) when no project id is set."""
        try:
            await authenticator.verify_aksk(request, config.clock())
        except ModelArtsError as exc:
            return _iam_error(exc.http_status, "Unauthorized", exc.msg)
        projects = [{"id": config.project_id, "name": config.project_name, "domain_id": domain["id"], "enabled": True}]
        return JSONResponse({"projects": [p for p in projects if name in (None, p["name"])]})

    @router.post("/_sim/tokens/expire", status_code=204)
    async def expire_tokens() -> Response:
        """Simulator control: every token issued so far expires now (tests the refresh path)."""
        tokens.expire_all(config.clock())
        return Response(status_code=204)

    return router
