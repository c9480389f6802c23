"""One attempt at one delivery, whatever its channel: a signed webhook POST, an SMN-style POST to a
topic's HTTP(S) subscriber, or a mail. Every attempt has one deadline (webhook_timeout_s); success is a
2xx within it (or the SMTP server accepting the mail)."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import aiosmtplib
import asyncpg

from services.notifier import mailer, signing, smn, urls
from services.notifier.config import NotifierSettings
from services.common.http1 import HttpClient, HttpError, Response

ABORT_HEADER, ABORT_VALUE = "webhook-delivery", "abort-message"  # a receiver's "stop retrying this one"

MailSender = Callable[[NotifierSettings, EmailMessage], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    latency_ms: int
    aborted: bool = False  # the receiver asked for no more attempts

    @property
    def delivered(self) -> bool:
        return self.error is None


class Senders:
    def __init__(self, settings: NotifierSettings, http: HttpClient, send_mail: MailSender = mailer.send):
        self._settings, self._http, self._send_mail = settings, http, send_mail

    async def attempt(self, row: asyncpg.Record, now: datetime) -> Outcome:
        timeout_s = self._settings.webhook_timeout_s
        started = time.monotonic()
        status_code, error, aborted = None, None, False
        try:
            # One deadline for the whole attempt, connecting and a slow drip of a response included.
            async with asyncio.timeout(timeout_s):
                if row["channel"] == "email":
                    await self._mail(row)
                else:
                    response = await self._post(row, now)
                    status_code = response.status
                    if not 200 <= status_code < 300:
                        error = f"HTTP {status_code}"
                        aborted = response.headers.get(ABORT_HEADER, "").strip().lower() == ABORT_VALUE
        except urls.UrlRefused as exc:
            error = f"refused by URL policy: {exc}"
        except TimeoutError:
            error = f"timed out after {timeout_s:g}s"
        except HttpError as exc:
            error = str(exc)
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        return Outcome(status_code, error, round((time.monotonic() - started) * 1000), aborted)

    async def _post(self, row: asyncpg.Record, now: datetime) -> Response:
        body = row["body"]
        if row["channel"] == "webhook":
            url = row["url"]
            secrets = (row["secret"],) + ((row["previous_secret"],) if row["previous_secret"] else ())
            headers = signing.signed_headers(secrets, str(row["id"]), body, now)
        else:
            url = row["subscriber"]
            headers = smn.http_headers(json.loads(body), smn.subscription_urn(row["topic_urn"], row["target_id"]))
            headers["content-type"] = "application/json"
        connect_to = None
        if not self._settings.webhook_allow_private:
            connect_to = await urls.public_address(url)  # checked now, not only at creation (DNS rebinding)
        return await self._http.post(url, body.encode(), headers, connect_to=connect_to)

    async def _mail(self, row: asyncpg.Record) -> None:
        mail = smn.email(json.loads(row["body"]), sender=self._settings.smtp_from, to=row["subscriber"])
        await self._send_mail(self._settings, mail)
