"""The clients' side of a load balancer in front of the gateways: a call goes to the gateways in turn, and to the
next one when a gateway does not answer (a transport error, a 5xx, a 429), until one answers or time runs out. Every
answer is counted per gateway, every call a gateway failed per gateway too."""

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class Gateways:
    urls: list[str]
    answered: Counter = field(default_factory=Counter)  # gateway url -> calls it answered
    failed: Counter = field(default_factory=Counter)  # gateway url -> calls it did not answer
    _turn: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self._client = httpx.Client(timeout=10)

    def call(self, key: str, method: str, path: str, timeout_s: float = 120, **kwargs) -> httpx.Response:
        deadline = time.monotonic() + timeout_s
        headers = {"Authorization": f"Bearer {key}", **kwargs.pop("headers", {})}
        first = next(self._turn)
        for attempt in itertools.count():
            url = self.urls[(first + attempt) % len(self.urls)]
            try:
                response = self._client.request(method, url + path, headers=headers, **kwargs)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code < 500 and response.status_code != 429:
                self.answered[url] += 1
                return response
            self.failed[url] += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no gateway answered within {timeout_s} s")
            if attempt % len(self.urls) == len(self.urls) - 1:
                time.sleep(0.5)  # every gateway tried once: give them a moment before the next round

    def close(self) -> None:
        self._client.close()
