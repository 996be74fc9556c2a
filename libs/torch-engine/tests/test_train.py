"""Training through the command line: events, determinism, resume, checkpoints, bad specs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from agiqa_torch.__main__ import main
from agiqa_torch.checkpoint import CHECKPOINT_FILE
from conftest import make_features, write_spec

SRC = Path(__file__).resolve().parent.parent / "src"


def run_engine(capsys: pytest.CaptureFixture[str], spec: Path) -> tuple[int, list[dict[str, Any]]]:
    code = main(["train", str(spec)])
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return code, events


def epochs_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "epoch"]


def numbers(epochs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What must replay exactly: epoch, loss, predictions (not the wall time)."""
    return [(e["epoch"], e["trainLoss"], e["test"], e["val"]) for e in epochs]


@pytest.mark.parametrize("fusion", ["concat", "cosine", "cross_attention"])
def test_a_run_prints_start_one_line_per_epoch_and_done_and_the_loss_falls(tmp_path: Path, capsys: pytest.CaptureFixture[str], fusion: str) -> None:
    make_features(tmp_path / "data.safetensors", val=12)
    code, events = run_engine(capsys, write_spec(tmp_path, fusion=fusion, epochs=8))
    assert code == 0
    assert [e["event"] for e in events] == ["start"] + ["epoch"] * 8 + ["done"]
    start = events[0]
    assert start["engine"] == "torch" and start["dtype"] == "float32" and start["device"]["kind"] == "cpu"
    assert start["resumedFromEpoch"] is None and start["parameters"] > 0
    epochs = epochs_of(events)
    assert [e["epoch"] for e in epochs] == list(range(1, 9))
    assert all(len(e["test"]) == 24 and len(e["val"]) == 12 and not e["restored"] for e in epochs)
    assert epochs[-1]["trainLoss"] < 0.7 * epochs[0]["trainLoss"]
    assert Path(epochs[-1]["checkpoint"]).name == CHECKPOINT_FILE


def test_the_same_spec_gives_the_same_numbers(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec(features.parent, fusion="cross_attention", checkpointDir=None)
    first = epochs_of(run_engine(capsys, spec)[1])
    second = epochs_of(run_engine(capsys, spec)[1])
    assert numbers(first) == numbers(second)


@pytest.mark.parametrize("fusion", ["concat", "cross_attention"])
def test_resuming_a_checkpoint_ends_with_the_numbers_of_an_uninterrupted_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], fusion: str) -> None:
    make_features(tmp_path / "data.safetensors", val=12)
    uninterrupted = epochs_of(run_engine(capsys, write_spec(tmp_path, fusion=fusion, epochs=6, checkpointDir=str(tmp_path / "a")))[1])
    # An interrupted run: 3 epochs, then a new process continues its checkpoint to 6.
    run_engine(capsys, write_spec(tmp_path, fusion=fusion, epochs=3, checkpointDir=str(tmp_path / "b")))
    checkpoint = tmp_path / "b" / CHECKPOINT_FILE
    code, events = run_engine(capsys, write_spec(tmp_path, fusion=fusion, epochs=6, checkpointDir=str(tmp_path / "b"), resumeFrom=str(checkpoint)))
    assert code == 0
    assert events[0]["resumedFromEpoch"] == 3 and events[0]["resumeSkipped"] is None
    resumed = epochs_of(events)
    assert [e["restored"] for e in resumed] == [True] * 3 + [False] * 3
    assert numbers(resumed) == numbers(uninterrupted)


def test_a_checkpoint_of_another_run_is_refused_naming_the_difference(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_engine(capsys, write_spec(features.parent, epochs=2))
    checkpoint = features.parent / "checkpoints" / CHECKPOINT_FILE
    code, events = run_engine(capsys, write_spec(features.parent, epochs=4, learningRate=0.5, resumeFrom=str(checkpoint)))
    assert code == 2
    assert events[-1]["event"] == "error" and events[-1]["code"] == "invalid_input"
    assert "learningRate: checkpoint 0.01, this run 0.5" in events[-1]["message"]


def test_a_checkpoint_from_other_arithmetic_starts_over_and_says_why(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_engine(capsys, write_spec(features.parent, epochs=2, threads=1))
    checkpoint = features.parent / "checkpoints" / CHECKPOINT_FILE
    code, events = run_engine(capsys, write_spec(features.parent, epochs=2, threads=2, resumeFrom=str(checkpoint)))
    assert code == 0
    assert events[0]["resumedFromEpoch"] is None
    assert "starts over" in events[0]["resumeSkipped"] and "'threads': 1" in events[0]["resumeSkipped"]
    assert [e["restored"] for e in epochs_of(events)] == [False, False]


def test_a_torn_or_foreign_checkpoint_file_is_refused_with_its_path(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = features.parent / "torn.safetensors"
    bad.write_bytes(b'\x10\x00\x00\x00\x00\x00\x00\x00{"a":')
    code, events = run_engine(capsys, write_spec(features.parent, resumeFrom=str(bad)))
    assert code == 2 and str(bad) in events[-1]["message"] and events[-1]["path"] == "resumeFrom"


def test_checkpoints_leave_no_temporary_files(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_engine(capsys, write_spec(features.parent, epochs=3))
    assert sorted(p.name for p in (features.parent / "checkpoints").iterdir()) == [CHECKPOINT_FILE]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"fusion": "bilinear"}, 'unknown fusion "bilinear"'),
        ({"epochs": 0}, "spec.epochs must be a positive integer"),
        ({"device": "tpu"}, 'spec.device must be "cpu" or "cuda"'),
        ({"head": {"attentionHeads": 3}, "fusion": "cross_attention"}, "must divide the text width 8"),
        ({"data": "/nonexistent/data.safetensors"}, "cannot read the features /nonexistent/data.safetensors"),
        ({"version": 9}, "not a agiqa-torch-spec v1 spec"),
    ],
)
def test_bad_specs_fail_with_an_error_event_that_names_the_problem(
    features: Path, capsys: pytest.CaptureFixture[str], override: dict[str, Any], message: str
) -> None:
    code, events = run_engine(capsys, write_spec(features.parent, **override))
    assert code == 2
    assert events[-1]["event"] == "error" and message in events[-1]["message"]


def test_cuda_that_is_not_there_is_an_error_never_a_cpu_run(features: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    code, events = run_engine(capsys, write_spec(features.parent, device="cuda"))
    assert code == 1
    assert [e["event"] for e in events] == ["error"] and events[0]["code"] == "unavailable" and "sees no CUDA device" in events[0]["message"]


def test_probe_reports_versions_and_the_device() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agiqa_torch", "probe"], env={**os.environ, "PYTHONPATH": str(SRC)}, capture_output=True, text=True, check=True
    )
    probe = json.loads(out.stdout)
    assert probe["event"] == "probe" and probe["ok"] is True and probe["device"]["kind"] == "cpu"
    assert probe["torch"].startswith("2.") and probe["transformers"] is not None


def test_the_engine_exits_when_the_worker_closes_its_stdin(tmp_path: Path) -> None:
    make_features(tmp_path / "data.safetensors", train=2000, test=50)
    spec = write_spec(tmp_path, epochs=10_000, checkpointDir=None)
    child = subprocess.Popen(
        [sys.executable, "-m", "agiqa_torch", "train", str(spec), "--watch-stdin"],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None and child.stdin is not None
    assert json.loads(child.stdout.readline())["event"] == "start"
    started = time.monotonic()
    child.stdin.close()  # what the kernel does to the pipe when the worker dies
    assert child.wait(timeout=20) == 3
    assert time.monotonic() - started < 10


def test_an_epochs_checkpoint_stays_until_the_worker_releases_it(tmp_path: Path) -> None:
    # The worker hashes and uploads each epoch's file while the engine trains on; a slow reader
    # must still find the epoch it was told about, not a later one renamed over it.
    from agiqa_torch.checkpoint import read_checkpoint

    make_features(tmp_path / "data.safetensors")
    spec = write_spec(tmp_path, epochs=5)
    child = subprocess.Popen(
        [sys.executable, "-m", "agiqa_torch", "train", str(spec), "--watch-stdin", "--await-checkpoint-release"],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None and child.stdin is not None
    # A deadlock must fail the test, not hang it: the child is killed after a minute.
    deadline = threading.Timer(60, child.kill)
    deadline.start()
    seen: list[tuple[int, int]] = []
    for line in child.stdout:
        event = json.loads(line)
        if event["event"] != "epoch":
            continue
        time.sleep(0.3)  # a slow upload: an unguarded engine finishes every epoch meanwhile
        seen.append((event["epoch"], read_checkpoint(Path(event["checkpoint"])).header["epoch"]))
        child.stdin.write(f"released {event['epoch']}\n".encode())
        child.stdin.flush()
    deadline.cancel()
    assert child.wait(timeout=20) == 0
    assert seen == [(epoch, epoch) for epoch in range(1, 6)]


def test_awaiting_releases_needs_the_stdin_pipe(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["train", str(write_spec(tmp_path)), "--await-checkpoint-release"])


def test_probe_for_cuda_without_a_gpu_says_why_and_still_describes_the_cpu() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for device, ok in (("cuda", False), ("auto", True)):
        out = subprocess.run([sys.executable, "-m", "agiqa_torch", "probe", "--device", device], env=env, capture_output=True, text=True, check=True)
        probe = json.loads(out.stdout)
        assert probe["ok"] is ok and probe["cpu"]["kind"] == "cpu"
        if ok:
            assert probe["device"]["kind"] == "cpu"
        else:
            assert "torch sees no CUDA device" in probe["reason"] and "device" not in probe
