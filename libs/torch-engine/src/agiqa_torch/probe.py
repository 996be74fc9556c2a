"""What the worker asks at start-up: versions, and proof of the device the engine will compute on.

`cuda`: a matmul on the GPU checked against the CPU — a worker that calls itself a GPU worker must
show that its engine really runs there, not just that a driver is installed. `auto`: that proof
when torch sees a GPU, else the CPU. The answer always describes the CPU too (the fallback a worker
started with --allow-cpu records) and, when CUDA was wanted but not usable, says why.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import torch

from .device import describe


def probe(device: str) -> dict[str, Any]:
    cpu = describe(torch.device("cpu"))
    result: dict[str, Any] = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torchCuda": torch.version.cuda,
        "transformers": _transformers_version(),
        "cudaAvailable": torch.cuda.is_available(),
        "cudaDevices": torch.cuda.device_count() if torch.cuda.is_available() else 0,
        "cpu": cpu,
    }
    if device == "cpu" or (device == "auto" and not torch.cuda.is_available()):
        return {**result, "ok": True, "device": cpu}
    why = _cuda_problem()
    if why is not None:
        return {**result, "ok": False, "reason": why}
    return {**result, "ok": True, "device": describe(torch.device("cuda", 0))}


def _cuda_problem() -> str | None:
    """None when a matmul on cuda:0 runs and agrees with the CPU; otherwise why not."""
    if not torch.cuda.is_available():
        if torch.version.cuda is None:
            return f"torch sees no CUDA device: torch {torch.__version__} is a CPU-only build"
        return f"torch sees no CUDA device (torch is built for CUDA {torch.version.cuda}; check the driver with nvidia-smi and CUDA_VISIBLE_DEVICES)"
    try:
        generator = torch.Generator().manual_seed(0)
        a = torch.randn(256, 256, generator=generator)
        b = torch.randn(256, 256, generator=generator)
        gpu = torch.device("cuda", 0)
        on_gpu = (a.to(gpu) @ b.to(gpu)).cpu()
        torch.cuda.synchronize(gpu)
        error = float((on_gpu - a @ b).abs().max())
    except RuntimeError as failure:
        return f"a matmul on cuda failed: {failure}"
    if not error < 1e-2:
        return f"a 256×256 matmul on {torch.cuda.get_device_name(gpu)} differs from the CPU by {error}"
    return None


def _transformers_version() -> str | None:
    """From the installed metadata: importing transformers would add seconds to every worker start."""
    try:
        return version("transformers")
    except PackageNotFoundError:
        return None
