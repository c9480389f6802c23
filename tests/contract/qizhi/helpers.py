"""Small helpers shared by the Qizhi contract tests."""

import uuid

from services.vendors.base import SubmitRequest

H100_1 = "6b1f9c2a-3d4e-4f50-8a6b-7c8d9e0f1a2b"  # 1 × H100, 14.6 / h
H100_8 = "4dd0e854-e2a4-4c3a-9f1e-1a2b3c4d5e6f"  # 8 × H100, 117.0 / h
A100_1 = "a3c5e7f9-0b2d-4f6a-8c1e-3a5c7e9f1b3d"  # 1 × A100, 11.1 / h
A100_8 = "8e2d7b4c-1a3f-4c6e-9d0b-2f4a6c8e0b1d"  # 8 × A100, 89.0 / h


def name(prefix: str = "sy") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def request(
    job_name: str | None = None,
    *,
    flavor_id: str = H100_1,
    max_runtime_s: int | None = None,
    node_count: int = 1,
    **env: str,
) -> SubmitRequest:
    return SubmitRequest(
        name=job_name or name(),
        kind="training",
        image="docker.sii.shaipower.online/inspire-studio/ngc-cuda12.8-base:1.0",
        command="torchrun --nproc_per_node 1 train.py",
        env=env,
        flavor_id=flavor_id,
        node_count=node_count,
        max_runtime_s=max_runtime_s,
    )
