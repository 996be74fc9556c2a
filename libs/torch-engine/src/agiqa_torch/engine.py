"""`train(spec)`: everything between the spec and the loop — determinism, device, data, the mode's task."""

from __future__ import annotations

from pathlib import Path

import torch

from . import determinism
from .device import describe, select_device
from .head_task import HeadTask, load_head_data
from .loop import LoopContext, Task, run
from .release import ReleaseGate
from .spec import read_spec


def train(spec_path: Path, release: ReleaseGate | None = None) -> None:
    """Trains as the spec says; `release`: wait for the reader before replacing a checkpoint (release.py)."""
    spec = read_spec(spec_path)
    # Fine-tuning on a GPU meets kernels without a deterministic implementation (e.g. attention
    # backward): they warn there instead of failing the run. Everything else is strict.
    determinism.configure(spec.seed, spec.threads, strict=not (spec.mode == "finetune" and spec.device == "cuda"))
    device = select_device(spec.device)
    description = describe(device)
    task: Task
    if spec.mode == "finetune":
        from .finetune import FinetuneTask

        finetune = FinetuneTask(spec, device)
        task, dtype, identity = finetune, finetune.dtype, finetune.identity(spec)
    else:
        head = HeadTask(spec, load_head_data(spec.data, device), device)
        task, dtype, identity = head, "float32", head.identity(spec)
    arithmetic = {
        "torch": torch.__version__,
        "device": description["kind"],
        "deviceName": description["name"],
        "threads": torch.get_num_threads(),
        "dtype": dtype,
    }
    run(LoopContext(spec=spec, task=task, device=description, dtype=dtype, identity=identity, arithmetic=arithmetic, release=release))
