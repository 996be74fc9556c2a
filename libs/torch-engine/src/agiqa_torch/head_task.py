"""Head mode: a fusion head trained on cached, frozen encoder features.

The features arrive in one safetensors file written by the worker (libs/model's TrainingData, the
same arrays the tfjs engine trains on):

  text/tokens [P, N, dT] float32   F_T of every distinct prompt, zero-padded to N tokens
  text/mask   [P, N]     float32   1 = token, 0 = padding
  <split>/image  [n, dI] float32   F_I per image, split ∈ train, val (optional), test
  <split>/prompt [n]     int32     row of text/* holding the image's prompt
  <split>/target [n]     float32   MOS

Prompts are stored once however many images share them; a batch gathers its rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import Tensor

from .errors import EngineError
from .heads import Head
from .spec import Spec

# Rows per forward pass when predicting (memory only; does not change results).
PREDICT_BATCH = 256


@dataclass
class Split:
    image: Tensor  # [n, dI]
    prompt: Tensor  # [n] int64
    target: np.ndarray  # [n] float32, MOS

    @property
    def size(self) -> int:
        return int(self.prompt.shape[0])


@dataclass
class HeadData:
    tokens: Tensor  # [P, N, dT]
    mask: Tensor  # [P, N]
    splits: dict[str, Split]

    @property
    def image_dim(self) -> int:
        return int(self.splits["train"].image.shape[1])

    @property
    def text_dim(self) -> int:
        return int(self.tokens.shape[2])


def load_head_data(path: Path, device: torch.device) -> HeadData:
    try:
        raw = load_file(str(path))
    except (SafetensorError, OSError) as error:
        raise EngineError("invalid_input", f"cannot read the features {path}: {error}", "data") from error

    def tensor(name: str, dtype: torch.dtype, rank: int) -> Tensor:
        value = raw.get(name)
        if value is None or value.dtype != dtype or value.dim() != rank:
            raise EngineError("invalid_input", f"{path} lacks {name} as a rank-{rank} {dtype} tensor", "data")
        return value

    tokens = tensor("text/tokens", torch.float32, 3)
    mask = tensor("text/mask", torch.float32, 2)
    if tokens.shape[:2] != mask.shape:
        raise EngineError("invalid_input", f"{path}: text/tokens {list(tokens.shape)} and text/mask {list(mask.shape)} disagree", "data")
    splits: dict[str, Split] = {}
    for name in ("train", "val", "test"):
        if f"{name}/target" not in raw and name == "val":
            continue
        image = tensor(f"{name}/image", torch.float32, 2)
        prompt = tensor(f"{name}/prompt", torch.int32, 1)
        target = tensor(f"{name}/target", torch.float32, 1)
        if not (image.shape[0] == prompt.shape[0] == target.shape[0]):
            raise EngineError("invalid_input", f"{path}: {name} arrays have different lengths", "data")
        if prompt.numel() > 0 and (int(prompt.min()) < 0 or int(prompt.max()) >= tokens.shape[0]):
            raise EngineError("invalid_input", f"{path}: {name}/prompt points outside the {tokens.shape[0]} prompts", "data")
        splits[name] = Split(image=image.to(device), prompt=prompt.long().to(device), target=target.numpy())
    if splits["train"].image.shape[1] != splits["test"].image.shape[1]:
        raise EngineError("invalid_input", f"{path}: train and test image features differ in width", "data")
    return HeadData(tokens=tokens.to(device), mask=mask.to(device), splits=splits)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def standardisation(targets: np.ndarray) -> tuple[float, float]:
    """Mean and (population) standard deviation of the train MOS, in float64.

    Targets are standardised for training, as libs/model does: MOS scales differ across datasets
    (0-5, 0-100), and lr 1e-4 then behaves alike on all of them.
    """
    values = targets.astype(np.float64)
    mean = float(values.mean())
    return mean, float(np.sqrt(((values - mean) ** 2).mean()))


class HeadTask:
    """The `loop.Task` of head mode."""

    def __init__(self, spec: Spec, data: HeadData, device: torch.device) -> None:
        self.data = data
        self.model = Head(spec.fusion, spec.head, data.image_dim, data.text_dim)
        self.model.initialise(spec.seed)
        self.model.to(device)
        train = data.splits["train"]
        self.train_size = train.size
        self.has_val = "val" in data.splits
        self.mean, self.std = standardisation(train.target)
        standardised = (train.target.astype(np.float64) - self.mean) / self.std
        self.targets = torch.from_numpy(standardised.astype(np.float32)).to(device).unsqueeze(1)  # [n, 1]

    def param_groups(self) -> list[dict[str, Any]]:
        return [{"params": [p for p in self.model.parameters() if p.requires_grad]}]

    def inputs(self, split: Split, rows: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """[image [b, dI], tokens [b, N, dT], mask [b, N]] of rows `rows` of a split."""
        prompt = split.prompt[rows]  # [b]
        return split.image[rows], self.data.tokens[prompt], self.data.mask[prompt]

    def loss(self, rows: Tensor) -> Tensor:
        rows = rows.to(self.targets.device)
        predicted = self.model(*self.inputs(self.data.splits["train"], rows))  # [b, 1]
        return torch.mean((predicted - self.targets[rows]) ** 2)

    @torch.no_grad()
    def predict(self, split_name: str) -> np.ndarray:
        split = self.data.splits[split_name]
        out = np.empty(split.size, dtype=np.float64)
        device = split.prompt.device
        for start in range(0, split.size, PREDICT_BATCH):
            rows = torch.arange(start, min(start + PREDICT_BATCH, split.size), device=device)
            out[start : start + rows.numel()] = self.model(*self.inputs(split, rows)).squeeze(1).double().cpu().numpy()
        return (out * self.std + self.mean).astype(np.float32)

    def describe(self) -> dict[str, Any]:
        """What a checkpoint tells a reader that rebuilds the head (libs/model restoreHead)."""
        return {
            "imageDim": self.data.image_dim,
            "textDim": self.data.text_dim,
            "maxTokens": int(self.data.tokens.shape[1]),
            "targetMean": self.mean,
            "targetStd": self.std,
        }

    def identity(self, spec: Spec) -> dict[str, Any]:
        return {
            "mode": "head",
            "fusion": spec.fusion,
            "head": spec.head.to_json(),
            "batchSize": spec.batch_size,
            "learningRate": spec.learning_rate,
            "seed": spec.seed,
            "data": file_sha256(spec.data),
        }
