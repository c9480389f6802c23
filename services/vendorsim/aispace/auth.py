"""Who may call: the AK/SK check and the required region header.

[INFER] The document only says that requests are signed with an AK/SK ("AK/SK 中已包含了用户信息") and points to
CECloud's common OpenAPI reference for the scheme. The simulator checks the APIG-style SDK-HMAC-SHA256 signature
(`Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=..., Signature=...` plus `X-Sdk-Date`), recomputing it
with huaweicloudsdkcore's signer, the same code the adapter signs with.
"""

import hmac
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace

from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from services.vendorsim.aispace.config import AISpaceSimConfig
from services.vendorsim.aispace.wire import AISpaceError, Code, invalid

_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<sig>[0-9a-f]+)$"
)
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def check_request(
    config: AISpaceSimConfig,
    *,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: dict[str, str],  # lower-case names
    body: bytes,
    now: float,
) -> None:
    """Raise AISpaceError unless the request is authenticated and names this region."""
    check_auth(config, method=method, path=path, query=query, headers=headers, body=body, now=now)
    # [DOC] x-regionid is required on every call; requestInfo (the region again) on many.
    region = headers.get("x-regionid")
    if not region:
        raise invalid("header x-regionid is required")
    if region != config.region:
        raise invalid(f"unknown region {region!r}")
    request_info = dict(query).get("requestInfo")
    if request_info is not None and request_info != config.region:
        raise invalid(f"requestInfo {request_info!r} does not match x-regionid {region!r}")


def check_auth(
    config: AISpaceSimConfig,
    *,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: dict[str, str],  # lower-case names
    body: bytes,
    now: float,
) -> None:
    """Raise AISpaceError unless the request carries the account's credentials (as `config.auth` checks them).
    [INFER] An online service's address takes the same AK/SK signature as the API: the document names no other
    way to call a service."""
    if config.auth == "off":
        return
    authorization = headers.get("authorization", "").strip()
    if not authorization:
        raise AISpaceError(Code.UNAUTHORIZED, "missing Authorization header")
    if config.auth == "header":
        return
    match = _AUTHORIZATION.match(authorization)
    if match is None:
        raise AISpaceError(Code.UNAUTHORIZED, "malformed Authorization header")
    if match["ak"] != config.ak:
        raise AISpaceError(Code.UNAUTHORIZED, f"unknown access key {match['ak']}")
    signed = match["headers"].split(";")
    if "x-sdk-date" not in signed or "host" not in signed:
        raise AISpaceError(Code.SIGNATURE_MISMATCH, "x-sdk-date and host must be signed")
    if any(name not in headers for name in signed):
        raise AISpaceError(Code.SIGNATURE_MISMATCH, "a signed header is missing")
    try:
        signed_at = datetime.strptime(headers["x-sdk-date"], _DATE_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise AISpaceError(Code.SIGNATURE_MISMATCH, "X-Sdk-Date must look like 20240712T063000Z") from None
    if abs(now - signed_at) > config.max_clock_skew_s:
        raise AISpaceError(Code.SIGNATURE_MISMATCH, "X-Sdk-Date is too far from the server's time")
    request = SdkRequest(
        method=method,
        host=headers["host"],
        resource_path=path,
        query_params=list(query),
        header_params={name: headers[name] for name in signed},
        body=body,
    )
    Signer(SimpleNamespace(ak=config.ak, sk=config.sk)).sign(request)
    expected = _AUTHORIZATION.match(request.header_params["Authorization"])
    if expected is None or not hmac.compare_digest(expected["sig"], match["sig"]):
        raise AISpaceError(Code.SIGNATURE_MISMATCH, "the request signature does not match")
