"""Settings of the AI Space adapter (environment variables SWITCHYARD_AISPACE_*)."""

from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

VENDOR = "aispace"

# The document's example hyperparameters (7.2) and DeepSpeed stage-2 configuration: LLM tasks need them.
DEFAULT_LLM_ARGS: dict[str, Any] = {
    "MAX_LENGTH": 1024, "LEARNING_RATE": 0.00005, "EPOCH": 3, "BATCH_SIZE": 1, "LORA_RANK": 8, "LORA_DROPOUT": 0.1,
    "LORA_TARGET": "all", "QUANTIZATION_BIT": -1, "GRADIENT_CHECKPOINTING": False, "GRADIENT_ACCUMULATION_STEPS": 4,
    "SAVE_STEPS": 100, "SAVE_TOTAL_LIMIT": 2, "LOGGING_STEP": 10, "FLASH_ATTN": False, "SHIFT_ATTN": False,
    "DO_EVAL": False, "EVALUATION_STRATEGY": "", "EVAL_STEPS": 10, "EVAL_SIZE": 0.01, "REWARD_MODEL": "./reward",
    "PORT": "",
}  # fmt: skip
DEFAULT_FRAMEWORK_CONFIG: dict[str, Any] = {
    "train_batch_size": "auto",
    "train_micro_batch_size_per_gpu": "auto",
    "gradient_accumulation_steps": "auto",
    "gradient_clipping": "auto",
    "zero_allow_untested_optimizer": True,
    "fp16": {"enabled": "auto", "loss_scale": 0, "initial_scale_power": 16, "loss_scale_window": 1000,
             "hysteresis": 2, "min_loss_scale": 1},
    "zero_optimization": {"stage": 2, "allgather_partitions": True, "allgather_bucket_size": 5e8,
                          "reduce_scatter": True, "reduce_bucket_size": 5e8, "overlap_comm": True,
                          "contiguous_gradients": True},
}  # fmt: skip


class AISpaceSettings(BaseSettings):
    """Defaults point at the local simulator (`python -m services.vendorsim aispace --port 18004`)."""

    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_AISPACE_")

    endpoint: str = "http://127.0.0.1:18004"
    ak: str = "AISPACESIMAK00000001"
    sk: SecretStr = SecretStr("aispace-sim-secret-key-0000000000000001")
    region: str = "region1"  # sent as the x-regionid header and the requestInfo query parameter
    project_id: int = 36  # the project space our workloads live in; its packages are our flavors
    verify_tls: bool = True  # private deployments often have self-signed certificates (the examples use --insecure)
    timeout_s: float = 10.0
    page_size: int = 100
    image_type: str = "preset"  # imageType of notebooks / training jobs: the only documented value
    # LLM tasks (pt/sft/dpo/rw/ppo) train an AIHub model on datasets; a Switchyard job names neither.
    llm_aihub_id: int = 41
    llm_dataset_ids: list[int] = Field(default_factory=lambda: [115])
    llm_framework: str = "deepspeed"
    llm_ft_type: str = "lora"
    llm_framework_template: str = "stage2"
    llm_level: str = "L0"
    llm_args: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_LLM_ARGS))
    llm_framework_config: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_FRAMEWORK_CONFIG))
    # Online services.
    service_infer_backend: str = "huggingface"
    service_model_id: int = 1
    service_quantization_bit: int = 4
    service_hpa: str = "cpu:50%,gpu:50%"
    service_ports: str = "80"
    # [INFER] Status reads the document lacks (upstream Cube Studio show/list routes); set these if the
    # deployment serves them elsewhere.
    notebook_read_path: str = "/api/aidp/alpha/notebook_modelview/api"
    service_read_path: str = "/api/aidp/alpha/inferenceservice_modelview/api"
    container_list_path: str = "/api/aidp/alpha/maas_modelview/{task}/api/"
