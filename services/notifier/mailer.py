"""Sending a mail through the configured SMTP server (SWITCHYARD_SMTP_*), one connection per mail."""

from email.message import EmailMessage

import aiosmtplib

from services.notifier.config import NotifierSettings


async def send(settings: NotifierSettings, mail: EmailMessage) -> None:
    await aiosmtplib.send(
        mail, hostname=settings.smtp_host, port=settings.smtp_port,
        username=settings.smtp_username, password=settings.smtp_password,
        use_tls=settings.smtp_tls, start_tls=settings.smtp_starttls, timeout=settings.smtp_timeout_s,
    )
