"""AK/SK request signing for AI Space.

[INFER] The document defers signing to CECloud's 《公共部分 OpenAPI 参考》, which is not available. Requests are
signed APIG-style (SDK-HMAC-SHA256 over method, path, query, the signed headers and the body; `Authorization:
SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` plus `X-Sdk-Date`) with huaweicloudsdkcore's signer;
if the common reference says otherwise, this module is the one place to change.
"""

from types import SimpleNamespace

import httpx
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer


def sign(
    ak: str,
    sk: str,
    method: str,
    endpoint: httpx.URL,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
) -> tuple[str, dict[str, str]]:
    """(the URL to call, the headers to send): the query in canonical order, the signature headers added."""
    request = SdkRequest(
        method=method,
        schema=endpoint.scheme,
        host=endpoint.netloc.decode(),
        resource_path=path,
        query_params=list(query),
        header_params=dict(headers),
        body=body,
    )
    Signer(SimpleNamespace(ak=ak, sk=sk)).sign(request)
    return f"{endpoint.scheme}://{endpoint.netloc.decode()}{request.uri}", dict(request.header_params)
