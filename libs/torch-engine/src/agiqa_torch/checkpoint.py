"""Checkpoints: one safetensors file per run folder, replaced atomically after every epoch.

`latest.safetensors` holds tensors (trainable weights `model/<name>`, Adam moments and step
`optim/<name>/exp_avg|exp_avg_sq|step`, every epoch's predictions `history/<epoch>/test|val`) and,
in the safetensors metadata, one JSON header (`agiqa` key: format, identity, arithmetic, epoch,
per-epoch loss and time). safetensors holds no code (unlike pickle) and is what Hugging Face
checkpoints use. The write goes to a unique temp file in the same folder, is fsynced, then renamed
over the old one: a crash (or kill -9) at any moment leaves the previous checkpoint or the new one,
never a torn file. `before_replace` runs between the write and the rename: the worker may still be
reading the old file (release.py).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from .errors import EngineError

CHECKPOINT_FILE = "latest.safetensors"
FORMAT = "agiqa-torch-checkpoint"
VERSION = 1


@dataclass
class Checkpoint:
    header: dict[str, Any]
    tensors: dict[str, torch.Tensor]


def write_checkpoint(
    folder: Path,
    header: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    *,
    before_replace: Callable[[], None] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / CHECKPOINT_FILE
    temp = folder / f".{CHECKPOINT_FILE}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    payload = {name: t.detach().to("cpu").contiguous() for name, t in tensors.items()}
    metadata = {"agiqa": json.dumps({"format": FORMAT, "version": VERSION, **header}, separators=(",", ":"))}
    try:
        save_file(payload, str(temp), metadata=metadata)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(temp, final)
    finally:
        if temp.exists():
            temp.unlink()
    try:  # persist the rename itself; not every filesystem allows fsync on a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return final


def read_checkpoint(path: Path) -> Checkpoint:
    def bad(why: str) -> EngineError:
        return EngineError("invalid_input", f"{path} is not a usable checkpoint: {why}", "resumeFrom")

    if not path.is_file():
        raise EngineError("invalid_input", f"cannot read checkpoint {path}: no such file", "resumeFrom")
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except (SafetensorError, OSError) as error:
        raise bad(str(error)) from error
    try:
        header = json.loads(metadata["agiqa"])
    except (KeyError, json.JSONDecodeError) as error:
        raise bad("no agiqa header in its metadata") from error
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise bad(f"format {header.get('format')} v{header.get('version')}, expected {FORMAT} v{VERSION}")
    return Checkpoint(header=header, tensors=tensors)
