"""The adapters' httpx transport on the shared HTTP/1.1 client, against a raw local server."""

import asyncio
import json
import socket

import httpx
import pytest

from services.common.http_transport import Http1Transport


async def serve(answer):
    """A one-route HTTP/1.1 server on 127.0.0.1; `answer(method, path, headers, body)` returns raw bytes."""
    async def handle(reader, writer):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ")
            headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            reply = await answer(method, path, headers, body)
            if reply is None:
                return  # hang: never answer
            writer.write(reply)
            await writer.drain()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_a_call_goes_out_and_comes_back_as_httpx_would_give_it():
    async def echo(method, path, headers, body):
        payload = json.dumps({"method": method, "path": path, "auth": headers.get("x-auth-token"),
                              "body": json.loads(body)}).encode()
        return b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
            len(payload), payload)
    server, port = await serve(echo)
    async with httpx.AsyncClient(transport=Http1Transport(), timeout=5) as client:
        for n in range(3):  # the same kept-alive connection
            response = await client.post(f"http://127.0.0.1:{port}/v2/jobs?x=1", json={"n": n},
                                         headers={"X-Auth-Token": "t"})
            assert response.status_code == 201 and response.headers["content-type"] == "application/json"
            assert response.json() == {"method": "POST", "path": "/v2/jobs?x=1", "auth": "t", "body": {"n": n}}
    server.close()


async def test_a_chunked_answer_is_read_whole():
    async def chunked(*_):
        return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    server, port = await serve(chunked)
    async with httpx.AsyncClient(transport=Http1Transport()) as client:
        assert (await client.get(f"http://127.0.0.1:{port}/")).text == "hello world"
    server.close()


async def test_no_answer_in_time_is_a_read_timeout_and_a_refused_connection_a_connect_error():
    async def never(*_):
        return None
    server, port = await serve(never)
    async with httpx.AsyncClient(transport=Http1Transport(), timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"http://127.0.0.1:{port}/")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{closed_port}/")
    server.close()


async def test_https_goes_through_the_fallback_transport():
    seen = []

    class Fallback(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            seen.append(str(request.url))
            return httpx.Response(204)
    async with httpx.AsyncClient(transport=Http1Transport(fallback=Fallback())) as client:
        assert (await client.get("https://vendor.example/v1/x")).status_code == 204
    assert seen == ["https://vendor.example/v1/x"]
