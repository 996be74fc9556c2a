"""Command line: `python -m agiqa_torch train SPEC.json` | `probe [--device cpu|cuda]` | `forward IN OUT` (parity test).

The worker starts this as a subprocess with a pipe on stdin: when the worker dies (even by kill -9)
the pipe closes and the engine exits at once, so no orphan keeps training and writing checkpoints
beside the attempt that resumes them. The only lines the worker writes there are `released <epoch>`
(see release.py), read under `--await-checkpoint-release`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from .errors import EngineError
from .events import emit, log
from .release import ReleaseGate, parse_release


def _exit_when_parent_goes(gate: ReleaseGate) -> None:
    def watch() -> None:
        # os.read on the raw descriptor: sys.stdin's buffered reader holds a lock that interpreter
        # shutdown would wait for. Whatever ends this loop ends the engine: without it nothing
        # would notice the worker's death, nor release a checkpoint the engine waits on.
        pending = b""
        try:
            while chunk := os.read(0, 1 << 16):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    epoch = parse_release(line)
                    if epoch is not None:
                        gate.release(epoch)
        except OSError:
            pass
        finally:
            os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agiqa_torch", description=__doc__.split("\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train as the spec says, printing JSON lines")
    train.add_argument("spec", type=Path)
    train.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the worker's pipe)")
    train.add_argument(
        "--await-checkpoint-release",
        action="store_true",
        help="replace an epoch's checkpoint only once stdin says `released <epoch>` (needs --watch-stdin)",
    )
    probe = commands.add_parser("probe", help="print one JSON line: versions and whether the device computes")
    probe.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    forward = commands.add_parser("forward", help="a head's output and gradients for given weights (the parity test)")
    forward.add_argument("source", type=Path)
    forward.add_argument("target", type=Path)
    args = parser.parse_args(argv)

    try:
        if args.command == "probe":
            from .probe import probe as run_probe

            emit("probe", **run_probe(args.device))
            return 0
        if args.command == "forward":
            from .reference import forward as run_forward

            emit("forward", cases=run_forward(args.source, args.target))
            return 0
        if args.await_checkpoint_release and not args.watch_stdin:
            parser.error("--await-checkpoint-release reads stdin: it needs --watch-stdin")
        gate = ReleaseGate()
        if args.watch_stdin:
            _exit_when_parent_goes(gate)
        # Cancellation: the worker sends SIGTERM. Exiting through SystemExit runs the `finally` that
        # removes a checkpoint's temp file; the last complete checkpoint stays as it was.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        from .engine import train as run_train

        run_train(args.spec, gate if args.await_checkpoint_release else None)
        return 0
    except EngineError as error:
        emit("error", code=error.code, message=error.message, path=error.path)
        return 2 if error.code == "invalid_input" else 1
    except Exception as error:  # reported as an event so the worker can show it; the trace goes to stderr
        log(traceback.format_exc())
        emit("error", code="internal", message=f"{type(error).__name__}: {error}", path=None)
        return 1


if __name__ == "__main__":
    sys.exit(main())
