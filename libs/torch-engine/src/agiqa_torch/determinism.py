"""Seeds, deterministic algorithms and thread counts, set in one place before any tensor exists."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

# cuBLAS needs a fixed workspace to be deterministic (torch.use_deterministic_algorithms raises without it).
CUBLAS_WORKSPACE = ":4096:8"


def configure(seed: int, threads: int | None, *, strict: bool = True) -> None:
    """Makes a run a pure function of its inputs on one device.

    - every generator (Python, NumPy, torch CPU and CUDA) starts from `seed`;
    - `torch.use_deterministic_algorithms(True)`, cuDNN autotuning off, TF32 off (float32 means float32);
      with `strict=False` an op that has no deterministic kernel warns instead of failing (then
      repeated runs may differ in the last bits: fine-tuning on a GPU, see engine.py);
    - `threads` intra-op threads when given (torch's default is one per physical core). Float sums
      may round differently with another thread count, so a resumed run uses the same count.
    """
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=not strict)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    if threads is not None:
        torch.set_num_threads(threads)


def stream_seed(seed: int, stream: int) -> int:
    """A seed for stream `stream` (an epoch) of run seed `seed`: epoch k draws the same numbers
    (shuffle order, dropout masks) whether or not the run was resumed, with no generator state saved."""
    mixed = (seed * 0x9E3779B97F4A7C15 + (stream + 1) * 0xBF58476D1CE4E5B9) & (2**63 - 1)
    mixed ^= mixed >> 31
    return (mixed * 0x94D049BB133111EB) & (2**63 - 1)
