"""Which device the engine computes on, described the way a run row records it."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import torch

from .errors import EngineError


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def select_device(kind: str) -> torch.device:
    """The device a spec asks for. CUDA that is not there is an error, never a silent CPU fallback."""
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise EngineError(
                "unavailable",
                f"the spec asks for cuda but torch {torch.__version__} sees no CUDA device "
                f"(torch built for CUDA {torch.version.cuda}; CUDA_VISIBLE_DEVICES and the driver decide what it sees)",
                "device",
            )
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def describe(device: torch.device) -> dict[str, Any]:
    """{kind, name, cudaVersion?, capability?, threads?}: what the run row records as its device."""
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        return {
            "kind": "cuda",
            "name": torch.cuda.get_device_name(device),
            "cudaVersion": torch.version.cuda,
            "capability": f"{major}.{minor}",
        }
    return {"kind": "cpu", "name": cpu_name(), "threads": torch.get_num_threads()}
