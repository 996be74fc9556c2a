"""The worker's release of each epoch's checkpoint: the engine never replaces a file still being read.

The engine reports an epoch (an `epoch` event naming `latest.safetensors`) and goes on training.
The worker meanwhile hashes and uploads that file; if the next epoch's checkpoint were renamed over
it in between, the store would hold the next epoch's bytes under the digest of this one (a
"damaged" object a resumed attempt cannot use) and the reported-epoch copy would be of the wrong
epoch. So, under `--await-checkpoint-release`, the worker writes `released <epoch>` on stdin once
it is done with that epoch's file, and the engine waits for it before the rename of the next one
(the next file is already written to its temp name: training and the upload still overlap by one
epoch). Standalone runs (no flag) never wait.
"""

from __future__ import annotations

import threading


class ReleaseGate:
    """The highest epoch whose checkpoint the reader has released, and a wait for it."""

    def __init__(self) -> None:
        self._released = 0
        self._changed = threading.Condition()

    def release(self, epoch: int) -> None:
        with self._changed:
            self._released = max(self._released, epoch)
            self._changed.notify_all()

    def wait_until_released(self, epoch: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._released >= epoch)


def parse_release(line: bytes) -> int | None:
    """The epoch of a `released <epoch>` line of the worker, or None for anything else."""
    words = line.split()
    if len(words) == 2 and words[0] == b"released" and words[1].isdigit():
        return int(words[1])
    return None
