"""The training loop every mode shares: Adam on MSE of standardised targets, shuffles per epoch,
predictions after every epoch, an atomic checkpoint, one `epoch` event. Resuming from a checkpoint
ends with the numbers of an uninterrupted run on the same device, torch version and thread count.

A mode (head on cached features, or end-to-end fine-tuning) supplies a `Task`: its model, its
parameter groups, the loss of a batch of train rows and the predictions of a split. Metrics are not
computed here: the TypeScript side computes them from the predictions (one implementation).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from . import checkpoint as ckpt
from .determinism import stream_seed
from .errors import EngineError
from .events import emit, log
from .release import ReleaseGate
from .spec import Spec


class Task(Protocol):
    @property
    def model(self) -> nn.Module: ...

    @property
    def train_size(self) -> int: ...

    @property
    def has_val(self) -> bool: ...

    def param_groups(self) -> list[dict[str, Any]]: ...

    def loss(self, rows: Tensor) -> Tensor:
        """Mean squared error of train rows `rows` [b] (standardised targets) → scalar."""
        ...

    def predict(self, split: str) -> np.ndarray:
        """Predictions of split `test` or `val` on the MOS scale, float32 [n]."""
        ...

    def describe(self) -> dict[str, Any]:
        """Facts a checkpoint reader needs beyond the identity (widths, the target scaling)."""
        ...


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    seconds: float
    test: np.ndarray
    val: np.ndarray | None


@dataclass
class LoopContext:
    spec: Spec
    task: Task
    device: dict[str, Any]
    dtype: str
    # What must be equal for a checkpoint to continue this run (else: an error naming the difference).
    identity: dict[str, Any]
    # What makes float arithmetic differ (else: the run starts over and says why).
    arithmetic: dict[str, Any]
    history: list[EpochRecord] = field(default_factory=list)
    # The worker's releases of checkpoints it reads (None: standalone, nobody reads them meanwhile).
    release: ReleaseGate | None = None
    # Epoch of the checkpoint this process last wrote to `checkpoint_dir` (None: none yet).
    saved_epoch: int | None = None


def trainable(model: nn.Module) -> Iterator[tuple[str, nn.Parameter]]:
    return ((name, p) for name, p in model.named_parameters() if p.requires_grad)


def run(context: LoopContext) -> None:
    spec, task = context.spec, context.task
    optimizer = torch.optim.Adam(task.param_groups(), lr=spec.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    resumed_from, resume_skipped = _resume(context, optimizer)
    parameters = sum(p.numel() for _, p in trainable(task.model))
    emit(
        "start",
        engine="torch",
        engineVersion=torch.__version__,
        device=context.device,
        dtype=context.dtype,
        parameters=parameters,
        resumedFromEpoch=resumed_from,
        resumeSkipped=resume_skipped,
    )
    for record in context.history:
        _emit_epoch(record, checkpoint=str(spec.resume_from) if spec.resume_from else None, restored=True)

    for epoch in range(len(context.history) + 1, spec.epochs + 1):
        started = time.perf_counter()
        loss = _train_epoch(spec, task, optimizer, epoch)
        test = task.predict("test")
        val = task.predict("val") if task.has_val else None
        record = EpochRecord(epoch=epoch, train_loss=loss, seconds=time.perf_counter() - started, test=test, val=val)
        context.history.append(record)
        path = _save(context, optimizer) if spec.checkpoint_dir is not None else None
        _emit_epoch(record, checkpoint=str(path) if path else None, restored=False)
    emit("done")


def _train_epoch(spec: Spec, task: Task, optimizer: torch.optim.Optimizer, epoch: int) -> float:
    """One pass over train in the order of stream (seed, epoch); returns the mean loss per row."""
    seed = stream_seed(spec.seed, epoch)
    # Dropout (fine-tuning) draws from the global generators: same masks for epoch k, resumed or not.
    torch.manual_seed(seed)
    order = torch.randperm(task.train_size, generator=torch.Generator().manual_seed(seed))
    task.model.train()
    total: Tensor | None = None
    for start in range(0, task.train_size, spec.batch_size):
        rows = order[start : start + spec.batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = task.loss(rows)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        weighted = loss.detach().double() * rows.numel()
        total = weighted if total is None else total + weighted
    task.model.eval()
    assert total is not None
    return float(total.item()) / task.train_size


def _emit_epoch(record: EpochRecord, *, checkpoint: str | None, restored: bool) -> None:
    emit(
        "epoch",
        epoch=record.epoch,
        trainLoss=record.train_loss,
        seconds=record.seconds,
        test=record.test.tolist(),
        val=None if record.val is None else record.val.tolist(),
        checkpoint=checkpoint,
        restored=restored,
    )


def _save(context: LoopContext, optimizer: torch.optim.Optimizer) -> Path:
    assert context.spec.checkpoint_dir is not None
    tensors: dict[str, Tensor] = {}
    for name, p in trainable(context.task.model):
        tensors[f"model/{name}"] = p
        state = optimizer.state.get(p, {})
        for key in ("exp_avg", "exp_avg_sq", "step"):
            if key in state:
                tensors[f"optim/{name}/{key}"] = state[key]
    for record in context.history:
        tensors[f"history/{record.epoch}/test"] = torch.from_numpy(record.test)
        if record.val is not None:
            tensors[f"history/{record.epoch}/val"] = torch.from_numpy(record.val)
    header = {
        "identity": context.identity,
        "arithmetic": context.arithmetic,
        "model": context.task.describe(),
        "epoch": len(context.history),
        "history": [{"epoch": r.epoch, "trainLoss": r.train_loss, "seconds": r.seconds} for r in context.history],
    }
    gate, previous = context.release, context.saved_epoch
    # The file being replaced holds epoch `previous`, which the worker may still be uploading.
    before_replace = (lambda: gate.wait_until_released(previous)) if gate is not None and previous is not None else None
    path = ckpt.write_checkpoint(context.spec.checkpoint_dir, header, tensors, before_replace=before_replace)
    context.saved_epoch = len(context.history)
    return path


def _resume(context: LoopContext, optimizer: torch.optim.Optimizer) -> tuple[int | None, str | None]:
    """Restores weights, Adam state and history from `spec.resume_from`; returns (epoch, why skipped)."""
    spec = context.spec
    if spec.resume_from is None:
        return None, None
    saved = ckpt.read_checkpoint(spec.resume_from)
    header = saved.header
    if header.get("arithmetic") != context.arithmetic:
        why = (
            f"checkpoint {spec.resume_from} was written with {header.get('arithmetic')}; this run computes with "
            f"{context.arithmetic}, whose float arithmetic may differ, so it starts over"
        )
        log(why)
        return None, why
    differences = [
        f"{key}: checkpoint {header['identity'].get(key)!r}, this run {value!r}"
        for key, value in context.identity.items()
        if header["identity"].get(key) != value
    ]
    if differences:
        raise EngineError("invalid_input", f"checkpoint {spec.resume_from} was written by a different run ({'; '.join(differences)})", "resumeFrom")
    epoch = int(header["epoch"])
    if epoch > spec.epochs:
        raise EngineError("invalid_input", f"checkpoint {spec.resume_from} is at epoch {epoch}, past this run's {spec.epochs} epochs", "epochs")

    def stored(name: str) -> Tensor:
        if name not in saved.tensors:
            raise EngineError("invalid_input", f"checkpoint {spec.resume_from} lacks {name}", "resumeFrom")
        return saved.tensors[name]

    with torch.no_grad():
        for name, p in trainable(context.task.model):
            value = stored(f"model/{name}")
            if value.shape != p.shape:
                raise EngineError(
                    "invalid_input", f"checkpoint {spec.resume_from}: {name} is {list(value.shape)}, expected {list(p.shape)}", "resumeFrom"
                )
            p.copy_(value)
            state = {key: saved.tensors[f"optim/{name}/{key}"] for key in ("exp_avg", "exp_avg_sq", "step") if f"optim/{name}/{key}" in saved.tensors}
            if state:
                optimizer.state[p] = {
                    "step": state["step"].clone(),
                    "exp_avg": state["exp_avg"].to(p.device).clone(),
                    "exp_avg_sq": state["exp_avg_sq"].to(p.device).clone(),
                }
    for entry in header["history"]:
        e = int(entry["epoch"])
        val_name = f"history/{e}/val"
        context.history.append(
            EpochRecord(
                epoch=e,
                train_loss=float(entry["trainLoss"]),
                seconds=float(entry["seconds"]),
                test=stored(f"history/{e}/test").numpy(),
                val=saved.tensors[val_name].numpy() if val_name in saved.tensors else None,
            )
        )
    log(f"resumed from {spec.resume_from} at epoch {epoch}")
    return epoch, None
