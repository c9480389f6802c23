"""Python client of the Switchyard API: `Client`, `AsyncClient`, the typed resources in `models`, `ApiError`."""

from switchyard_client.client import AsyncClient, Client
from switchyard_client.errors import ApiError, ApiUnreachable
from switchyard_client.jobspec import JobSpec
from switchyard_client.retry import RetryPolicy

__all__ = ["AsyncClient", "Client", "ApiError", "ApiUnreachable", "JobSpec", "RetryPolicy", "ServiceAnswer"]
