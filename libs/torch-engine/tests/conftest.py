"""Shared fixtures: small synthetic feature files with a learnable target, and a spec writer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import save_file

IMAGE_DIM = 12
TEXT_DIM = 8
TOKENS = 5
PROMPTS = 9


def make_features(path: Path, *, train: int = 64, val: int = 0, test: int = 24, seed: int = 0) -> Path:
    """Random F_I / F_T whose MOS depends on both (so every fusion has something to learn)."""
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randn(PROMPTS, TOKENS, TEXT_DIM, generator=g)
    lengths = torch.randint(1, TOKENS + 1, (PROMPTS,), generator=g)
    mask = (torch.arange(TOKENS)[None, :] < lengths[:, None]).float()
    tokens = tokens * mask[:, :, None]
    w_image = torch.randn(IMAGE_DIM, generator=g)
    w_text = torch.randn(TEXT_DIM, generator=g)
    tensors: dict[str, torch.Tensor] = {"text/tokens": tokens, "text/mask": mask}
    for name, n in (("train", train), ("val", val), ("test", test)):
        if n == 0:
            continue
        image = torch.randn(n, IMAGE_DIM, generator=g)
        prompt = torch.randint(0, PROMPTS, (n,), generator=g, dtype=torch.int32)
        pooled = (tokens[prompt.long()] * mask[prompt.long()][:, :, None]).sum(1) / mask[prompt.long()].sum(1, keepdim=True)
        target = 3 + image @ w_image * 0.3 + torch.tanh(pooled @ w_text) + 0.1 * torch.randn(n, generator=g)
        tensors.update({f"{name}/image": image, f"{name}/prompt": prompt, f"{name}/target": target.float()})
    save_file(tensors, str(path))
    return path


def write_spec(folder: Path, **overrides: Any) -> Path:
    spec: dict[str, Any] = {
        "format": "agiqa-torch-spec",
        "version": 1,
        "mode": "head",
        "fusion": "concat",
        "head": {"hiddenUnits": 16, "attentionHeads": 2},
        "epochs": 3,
        "batchSize": 16,
        "learningRate": 1e-2,
        "seed": 0,
        "device": "cpu",
        "threads": 1,
        "data": str(folder / "data.safetensors"),
        "checkpointDir": str(folder / "checkpoints"),
        "resumeFrom": None,
    }
    spec.update(overrides)
    path = folder / f"spec-{len(list(folder.glob('spec-*.json')))}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


@pytest.fixture
def features(tmp_path: Path) -> Path:
    return make_features(tmp_path / "data.safetensors")
