"""The base of every event payload: a message about one job, one tenant or one vendor account.

Payload modules (`job_events`, `billing`, `billing_events`, `catalog`) subclass these; the envelope and the
registry of event types (`contracts/events.py`) import the payload modules, never the other way round.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """Every event payload. Its Kafka key (the CloudEvents subject) is its aggregate: the job, else the
    tenant, else the vendor it concerns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]


class Event(Message):
    """An event about one job of one tenant."""

    job_id: uuid.UUID
    tenant_id: uuid.UUID


class TenantEvent(Message):
    """An event about a tenant as a whole."""

    tenant_id: uuid.UUID


class VendorEvent(Message):
    """An event about a vendor account, not about any one tenant."""

    vendor: str
