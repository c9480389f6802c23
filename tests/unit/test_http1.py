"""The notifier's HTTP/1.1 client against small local servers (127.0.0.1 only)."""

import asyncio
import shutil
import ssl
import subprocess

import pytest

from services.common.http1 import MAX_BODY, HttpClient, HttpError


class Server:
    """Answers each request with `reply(request_bytes)`; records requests and connections."""

    def __init__(self, reply, tls: ssl.SSLContext | None = None):
        self.reply, self.tls = reply, tls
        self.requests: list[bytes] = []
        self.connections = 0

    async def __aenter__(self):
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer = self.reply(request)
                if answer is None:
                    await asyncio.sleep(3600)  # never answers
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(request: bytes) -> bytes:
    return b"HTTP/1.1 204 No Content\r\n\r\n"


async def test_posts_with_headers_and_reuses_the_connection():
    async with Server(ok) as server:
        client = HttpClient(user_agent="test/1")
        for _ in range(3):
            response = await client.post(f"http://127.0.0.1:{server.port}/in?x=1", b'{"a":1}', {"webhook-id": "m1"})
            assert response.status == 204
        client.close()
    assert server.connections == 1 and len(server.requests) == 3
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /in?x=1 HTTP/1.1\r\n") and body == b'{"a":1}'
    assert f"host: 127.0.0.1:{server.port}".encode() in head and b"webhook-id: m1" in head


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end",
])
async def test_response_bodies_of_every_framing_are_read_and_dropped(answer):
    async with Server(lambda r: answer) as server:
        client = HttpClient(user_agent="t")
        assert (await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})).status == 200
        assert (await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})).status == 200
        client.close()


async def test_response_headers_are_returned_lower_cased():
    answer = b"HTTP/1.1 410 Gone\r\nWebhook-Delivery: abort-message\r\ncontent-length: 0\r\n\r\n"
    async with Server(lambda r: answer) as server:
        response = await HttpClient(user_agent="t").post(f"http://127.0.0.1:{server.port}/", b"{}", {})
    assert response.status == 410 and response.headers["webhook-delivery"] == "abort-message"


async def test_a_huge_body_is_not_read_and_the_connection_not_reused():
    big = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % (4 * MAX_BODY) + b"x" * (4 * MAX_BODY)
    async with Server(lambda r: big) as server:
        client = HttpClient(user_agent="t")
        assert (await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})).status == 200
        assert (await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})).status == 200
    assert server.connections == 2


async def test_a_connection_the_server_closed_while_idle_is_replaced():
    answers = iter([b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n"])
    async with Server(lambda r: next(answers, b"HTTP/1.1 204 No Content\r\n\r\n")) as server:
        client = HttpClient(user_agent="t")
        for _ in range(3):
            assert (await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})).status == 204
    assert server.connections == 2


async def test_errors_and_deadlines():
    client = HttpClient(user_agent="t")
    async with Server(lambda r: b"garbage\r\n\r\n") as server:
        with pytest.raises(HttpError, match="malformed"):
            await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})
    with pytest.raises(HttpError, match="ConnectionRefused"):
        await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})
    async with Server(lambda r: None) as server:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await client.post(f"http://127.0.0.1:{server.port}/", b"{}", {})
    with pytest.raises(HttpError, match="invalid header"):
        await client.post("http://127.0.0.1:9/", b"{}", {"x-evil": "a\r\nhost: elsewhere"})


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command to make a certificate")
async def test_tls_to_a_pinned_address_checks_the_certificate_against_the_url_host(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=hooks.test", "-addext", "subjectAltName=DNS:hooks.test"],
                   check=True, capture_output=True)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    async with Server(ok, tls=server_tls) as server:
        client = HttpClient(user_agent="t", ssl_context=trusting)
        response = await client.post(f"https://hooks.test:{server.port}/in", b"{}", {}, connect_to="127.0.0.1")
        assert response.status == 204
        assert f"host: hooks.test:{server.port}".encode() in server.requests[0]
        with pytest.raises(HttpError, match="CERTIFICATE_VERIFY_FAILED|SSL"):
            await client.post(f"https://other.test:{server.port}/in", b"{}", {}, connect_to="127.0.0.1")
