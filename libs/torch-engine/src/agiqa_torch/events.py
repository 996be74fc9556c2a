"""The engine's output: one JSON object per line on stdout (the TypeScript side parses these), logs on stderr.

Events, in order:
  {"event": "start", "engine": "torch", "engineVersion", "device": {...}, "dtype", "parameters",
   "resumedFromEpoch": k | null, "resumeSkipped": why | null}
  {"event": "epoch", "epoch", "trainLoss", "seconds", "test": [...], "val": [...] | null,
   "checkpoint": path | null, "restored": bool}        one per epoch; restored epochs come first
  {"event": "done"}
or, at any point, {"event": "error", "code", "message", "path"} and exit status 2 (bad input) or 1.

Predictions are on the MOS scale, float32 values written exactly (shortest repr of the double).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}, allow_nan=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    sys.stderr.write(f"[agiqa_torch] {message}\n")
    sys.stderr.flush()
