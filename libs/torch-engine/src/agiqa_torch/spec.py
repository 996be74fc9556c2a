"""The one JSON spec the engine reads (written by the worker's torch engine, apps/worker/src/engines).

Only what the TypeScript side has already validated with zod arrives here; the checks below guard the
boundary itself (a hand-written or stale spec) and name the field that is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import EngineError
from .heads import FUSION_NAMES, HeadOptions

SPEC_FORMAT = "agiqa-torch-spec"
SPEC_VERSION = 1


@dataclass(frozen=True)
class FinetuneSpec:
    """Encoders trained end to end with the head (Hugging Face folders: config.json, model.safetensors, tokenizer)."""

    text_model: Path
    image_model: Path
    # Adam step size of the encoders (the head uses the spec's learningRate).
    encoder_learning_rate: float
    # Bottom transformer layers (and the embeddings) of each encoder kept frozen; 0 trains all.
    frozen_layers: int
    # bf16 autocast of the forward pass on CUDA (ignored on the CPU, and recorded as float32 there).
    bf16: bool
    gradient_checkpointing: bool
    # Longest prompt in tokens (specials included); longer prompts lose their end.
    max_tokens: int


@dataclass(frozen=True)
class Spec:
    mode: Literal["head", "finetune"]
    fusion: str
    head: HeadOptions
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    device: Literal["cpu", "cuda"]
    threads: int | None
    # Head mode: data.safetensors (features); finetune: items.json (image paths, prompts, targets).
    data: Path
    checkpoint_dir: Path | None
    resume_from: Path | None
    finetune: FinetuneSpec | None


def _field(raw: dict[str, Any], name: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
    if name not in raw or raw[name] is None:
        if optional:
            return None
        raise EngineError("invalid_input", f"spec.{name} is missing", name)
    value = raw[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))):
        raise EngineError("invalid_input", f"spec.{name} has the wrong type ({type(value).__name__})", name)
    return value


def _positive_int(raw: dict[str, Any], name: str) -> int:
    value = _field(raw, name, int)
    if value < 1:
        raise EngineError("invalid_input", f"spec.{name} must be a positive integer, got {value}", name)
    return int(value)


def _path(raw: dict[str, Any], name: str, *, optional: bool = False) -> Path | None:
    value = _field(raw, name, str, optional=optional)
    return None if value is None else Path(value)


def parse_spec(raw: Any) -> Spec:
    if not isinstance(raw, dict):
        raise EngineError("invalid_input", "the spec must be a JSON object")
    if raw.get("format") != SPEC_FORMAT or raw.get("version") != SPEC_VERSION:
        raise EngineError("invalid_input", f"not a {SPEC_FORMAT} v{SPEC_VERSION} spec (format {raw.get('format')!r}, version {raw.get('version')!r})")
    mode = _field(raw, "mode", str)
    if mode not in ("head", "finetune"):
        raise EngineError("invalid_input", f'spec.mode must be "head" or "finetune", got "{mode}"', "mode")
    fusion = _field(raw, "fusion", str)
    if fusion not in FUSION_NAMES:
        raise EngineError("invalid_input", f'unknown fusion "{fusion}"; valid: {", ".join(FUSION_NAMES)}', "fusion")
    device = _field(raw, "device", str)
    if device not in ("cpu", "cuda"):
        raise EngineError("invalid_input", f'spec.device must be "cpu" or "cuda", got "{device}"', "device")
    learning_rate = float(_field(raw, "learningRate", (int, float)))
    if not learning_rate > 0:
        raise EngineError("invalid_input", f"spec.learningRate must be positive, got {learning_rate}", "learningRate")
    threads = _field(raw, "threads", int, optional=True)
    if threads is not None and threads < 1:
        raise EngineError("invalid_input", f"spec.threads must be a positive integer, got {threads}", "threads")
    finetune = _finetune(raw) if mode == "finetune" else None
    data = _path(raw, "data")
    assert data is not None
    return Spec(
        mode=mode,
        fusion=fusion,
        head=HeadOptions.from_json(_field(raw, "head", dict)),
        epochs=_positive_int(raw, "epochs"),
        batch_size=_positive_int(raw, "batchSize"),
        learning_rate=learning_rate,
        seed=int(_field(raw, "seed", int)),
        device=device,
        threads=threads,
        data=data,
        checkpoint_dir=_path(raw, "checkpointDir", optional=True),
        resume_from=_path(raw, "resumeFrom", optional=True),
        finetune=finetune,
    )


def _finetune(raw: dict[str, Any]) -> FinetuneSpec:
    options = _field(raw, "finetune", dict)
    lr = float(_field(options, "encoderLearningRate", (int, float)))
    frozen = _field(options, "frozenLayers", int)
    if not lr > 0:
        raise EngineError("invalid_input", f"finetune.encoderLearningRate must be positive, got {lr}", "finetune.encoderLearningRate")
    if frozen < 0:
        raise EngineError("invalid_input", f"finetune.frozenLayers must be ≥ 0, got {frozen}", "finetune.frozenLayers")
    text_model = _path(options, "textModel")
    image_model = _path(options, "imageModel")
    assert text_model is not None and image_model is not None
    return FinetuneSpec(
        text_model=text_model,
        image_model=image_model,
        encoder_learning_rate=lr,
        frozen_layers=int(frozen),
        bf16=bool(_field(options, "bf16", bool)),
        gradient_checkpointing=bool(_field(options, "gradientCheckpointing", bool)),
        max_tokens=_positive_int(options, "maxTokens"),
    )


def read_spec(path: Path) -> Spec:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise EngineError("invalid_input", f"cannot read the spec {path}: {error}") from error
    return parse_spec(raw)
