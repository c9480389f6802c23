"""Topic messages in Huawei SMN's format, for HTTP(S) and e-mail subscribers, and the endpoints each
protocol takes. Pure: no I/O.

HTTP(S): a POST whose JSON body carries `type` (SubscriptionConfirmation or Notification), `message_id`,
`topic_urn`, `message`, `timestamp`, `subscribe_url` or `subject` + `unsubscribe_url`, and a `signature`
over SMN's string to sign: the signed fields sorted by name, each name and value on its own line. SMN
signs with an RSA certificate; here the signature is HMAC-SHA256 keyed with the subscription's signing
secret (returned once, when the subscription is created), base64, `signature_version` "v1-hmac-sha256".
"""

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

SIGNATURE_VERSION = "v1-hmac-sha256"
NOTIFICATION, CONFIRMATION = "Notification", "SubscriptionConfirmation"
_SIGNED = {
    NOTIFICATION: ("message", "message_id", "subject", "timestamp", "topic_urn", "type"),
    CONFIRMATION: ("message", "message_id", "subscribe_url", "timestamp", "topic_urn", "type"),
}


_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
EMAIL_MAX_LENGTH = 254


def endpoint_refusal(protocol: str, endpoint: str) -> str | None:
    """Why `endpoint` cannot be subscribed over `protocol` (http, https, email), else None. An HTTP(S)
    URL is checked against the URL policy too, when it passes this."""
    if protocol == "email":
        if not _EMAIL.match(endpoint) or len(endpoint) > EMAIL_MAX_LENGTH:
            return "not an e-mail address"
        return None
    if not endpoint.lower().startswith(protocol + "://"):
        return f"a {protocol} subscription needs a {protocol}:// URL"
    return None


def topic_urn(tenant_id: uuid.UUID, name: str) -> str:
    return f"urn:smn:switchyard:{tenant_id.hex}:{name}"


def subscription_urn(topic_urn_: str, subscription_id: uuid.UUID) -> str:
    return f"{topic_urn_}:{subscription_id.hex}"


def new_signing_secret() -> str:
    return "smnsec_" + secrets.token_urlsafe(32)


def new_token() -> str:
    """The secret part of a subscription's confirm and unsubscribe links."""
    return secrets.token_urlsafe(32)


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def string_to_sign(message: dict[str, str]) -> str:
    """SMN's string to sign; a blank subject is left out, as SMN does."""
    names = [n for n in _SIGNED[message["type"]] if not (n == "subject" and not message.get("subject"))]
    return "".join(f"{name}\n{message[name]}\n" for name in names)


def sign(message: dict[str, str], secret: str) -> str:
    digest = hmac.new(secret.encode(), string_to_sign(message).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(message: dict[str, str], secret: str) -> bool:
    """What a subscriber does with a message it received (see the README)."""
    return hmac.compare_digest(sign(message, secret), message.get("signature", ""))


def notification(*, message_id: str, topic_urn_: str, subject: str, message: str, at: datetime,
                 unsubscribe_url: str, secret: str) -> dict[str, str]:
    body = {"type": NOTIFICATION, "message_id": message_id, "topic_urn": topic_urn_, "subject": subject,
            "message": message, "timestamp": timestamp(at), "unsubscribe_url": unsubscribe_url,
            "signature_version": SIGNATURE_VERSION}
    return body | {"signature": sign(body, secret)}


def confirmation(*, message_id: str, topic_urn_: str, subscribe_url: str, at: datetime,
                 secret: str) -> dict[str, str]:
    body = {"type": CONFIRMATION, "message_id": message_id, "topic_urn": topic_urn_,
            "message": (f"You are invited to subscribe to topic {topic_urn_}. To confirm this subscription, "
                        f"visit the subscribe_url in this message."),
            "subscribe_url": subscribe_url, "timestamp": timestamp(at), "signature_version": SIGNATURE_VERSION}
    return body | {"signature": sign(body, secret)}


def http_headers(message: dict[str, str], subscription_urn_: str) -> dict[str, str]:
    return {"X-SMN-MESSAGE-TYPE": message["type"], "X-SMN-MESSAGE-ID": message["message_id"],
            "X-SMN-TOPIC-URN": message["topic_urn"], "X-SMN-SUBSCRIPTION-URN": subscription_urn_}


def email(message: dict[str, str], *, sender: str, to: str) -> EmailMessage:
    """The same message as a plain-text mail; its Message-ID is stable, so a resent mail is recognisable."""
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, to
    mail["Message-ID"] = f"<{message['message_id']}.{uuid.uuid5(uuid.NAMESPACE_URL, to).hex[:12]}@switchyard>"
    mail["X-SMN-MESSAGE-TYPE"], mail["X-SMN-TOPIC-URN"] = message["type"], message["topic_urn"]
    if message["type"] == CONFIRMATION:
        mail["Subject"] = f"Confirm your subscription to {message['topic_urn'].rsplit(':', 1)[-1]}"
        mail.set_content(f"{message['message']}\n\nConfirm: {message['subscribe_url']}\n")
    else:
        mail["Subject"] = message["subject"] or "Switchyard notification"
        mail.set_content(f"{message['message']}\n\n--\nUnsubscribe: {message['unsubscribe_url']}\n")
    return mail
