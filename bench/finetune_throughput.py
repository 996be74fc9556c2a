"""Fine-tuning throughput (samples/s) and head-only epoch time of the torch engine, on CPU or a GPU.

    python bench/finetune_throughput.py --text DIR --image DIR [--device cpu|cuda] [--dtypes fp32,bf16]
        [--images 64] [--batch 16] [--epochs 3] [--threads N] [--grad-ckpt] [--heads]
    python bench/finetune_throughput.py --build-real DIR ...   # random BERT-base + CLIP ViT-B/32 into DIR first

Runs the engine exactly as the worker does — `python -m agiqa_torch train SPEC` as a subprocess, a
spec and a data file in, one JSON line per epoch out — and reads the engine's own `seconds` per epoch
(training plus the test predictions). Python only, so that a GPU machine with torch and transformers
and nothing else (no Node) can run it: bench/gpu/torch-gpu.sh is the prepared GPU check.

Fine-tuning (`--text`/`--image`: Hugging Face folders, or `--build-real`): `--images` synthetic
512×512 JPEGs (decoded and preprocessed once by the engine when it starts, as in a real run: it keeps
the pixel tensors, so epochs time the encoders and the head, not JPEG decoding) with prompts from
bench/data/agiqa3k-prompts.json (AGIQA-3K token lengths), concat fusion, the encoders and the head
trained end to end; one row per dtype (`bf16` is autocast on CUDA only: on the CPU the engine
computes and records float32, so it is not run there). samples/s = train images / epoch seconds, the
median over the epochs after the first (warm-up). The test split is one batch, so an epoch is mostly
training.

`--heads`: the head-only epoch of each fusion at AGIQA-3K shapes (2,386 train / 596 test rows, 300
prompts, 24 tokens, 768-d features, batch 32, hidden 512, 8 heads), synthetic features.

Random weights (`--build-real`): the standard configs of bert-base-uncased and
openai/clip-vit-base-patch32 (transformers' defaults for BertConfig and CLIPConfig are exactly those),
fixed seeds; speed does not depend on weight values. The tokenizer files are the tiny fixture's
(libs/model/fixtures/tiny/tiny-bert): its ids lie inside BERT's vocabulary, and prompt lengths in tokens
are what matters here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ENGINE_SOURCE = ROOT / "libs/torch-engine/src"
TINY_BERT = ROOT / "libs/model/fixtures/tiny/tiny-bert"
PROMPTS = ROOT / "bench/data/agiqa3k-prompts.json"
AGIQA3K = {"train": 2386, "test": 596, "prompts": 300, "tokens": 24, "dim": 768}


def build_real(out: Path) -> tuple[Path, Path]:
    """Random BERT-base and CLIP ViT-B/32 Hugging Face folders under `out` (kept when already there)."""
    import torch
    from transformers import BertConfig, BertModel, CLIPConfig, CLIPImageProcessor, CLIPModel

    text, image = out / "bert-base", out / "clip-vit-b32"
    if not (text / "model.safetensors").exists():
        torch.manual_seed(0)
        BertModel(BertConfig()).save_pretrained(text)
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(TINY_BERT / name, text / name)
    if not (image / "model.safetensors").exists():
        torch.manual_seed(1)
        CLIPModel(CLIPConfig()).save_pretrained(image)
        CLIPImageProcessor(crop_size={"height": 224, "width": 224}, size={"shortest_edge": 224}).save_pretrained(image)
    return text, image


def write_items(folder: Path, images: int, test: int, seed: int = 0) -> Path:
    """`images` train + `test` test JPEGs (512×512 noise) with AGIQA-3K-like prompts and MOS in [1, 5]."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    prompts = [p["text"] if isinstance(p, dict) else p for p in json.loads(PROMPTS.read_text(encoding="utf-8"))["prompts"]]
    (folder / "images").mkdir(parents=True, exist_ok=True)
    items: dict[str, Any] = {"prompts": prompts}
    for split, n in (("train", images), ("test", test)):
        paths = []
        for i in range(n):
            path = folder / "images" / f"{split}-{i}.jpg"
            Image.fromarray(rng.integers(0, 256, size=(512, 512, 3), dtype=np.uint8), "RGB").save(path, quality=90)
            paths.append(str(path))
        items[split] = {"images": paths, "prompt": rng.integers(0, len(prompts), n).tolist(), "target": rng.uniform(1, 5, n).tolist()}
    path = folder / "items.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def write_features(folder: Path) -> Path:
    """The head mode's data file (libs/torch-engine head_task.py layout) at AGIQA-3K shapes."""
    import torch
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(0)
    p, n, d = AGIQA3K["prompts"], AGIQA3K["tokens"], AGIQA3K["dim"]
    lengths = torch.randint(5, n + 1, (p,), generator=g)
    mask = (torch.arange(n).unsqueeze(0) < lengths.unsqueeze(1)).float()  # [P, N]
    tensors = {"text/tokens": torch.randn(p, n, d, generator=g) * mask.unsqueeze(2), "text/mask": mask}
    for split in ("train", "test"):
        rows = AGIQA3K[split]
        tensors[f"{split}/image"] = torch.randn(rows, d, generator=g)
        tensors[f"{split}/prompt"] = torch.randint(0, p, (rows,), generator=g, dtype=torch.int32)
        tensors[f"{split}/target"] = torch.rand(rows, generator=g) * 4 + 1
    path = folder / "data.safetensors"
    save_file(tensors, str(path))
    return path


def run_engine(folder: Path, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Runs `python -m agiqa_torch train` on `spec`; returns its start and epoch events (fails on an error event)."""
    path = folder / "spec.json"
    path.write_text(json.dumps({"format": "agiqa-torch-spec", "version": 1, "seed": 0, "head": {}, **spec}), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ENGINE_SOURCE), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([sys.executable, "-m", "agiqa_torch", "train", str(path)], env=env, capture_output=True, text=True, check=False)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or any(e["event"] == "error" for e in events):
        raise SystemExit(f"engine failed ({done.returncode}): {done.stdout[-1000:]} {done.stderr[-2000:]}")
    return [e for e in events if e["event"] in ("start", "epoch")]


def later_epochs(events: list[dict[str, Any]]) -> list[float]:
    seconds = [e["seconds"] for e in events if e["event"] == "epoch"]
    return seconds[1:] if len(seconds) > 1 else seconds


def finetune_rows(args: argparse.Namespace, text: Path, image: Path, work: Path) -> None:
    items = write_items(work, args.images, args.batch)
    print("| device | dtype (recorded) | grad. ckpt | text + image encoder | train images | batch | s / epoch | samples/s |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    for dtype in args.dtypes.split(","):
        if dtype == "bf16" and args.device == "cpu":
            continue
        spec = {
            "mode": "finetune",
            "fusion": "concat",
            "data": str(items),
            "device": args.device,
            "threads": args.threads,
            "epochs": args.epochs,
            "batchSize": args.batch,
            "learningRate": 1e-4,
            "finetune": {
                "textModel": str(text),
                "imageModel": str(image),
                "encoderLearningRate": 2e-5,
                "frozenLayers": 0,
                "bf16": dtype == "bf16",
                "gradientCheckpointing": args.grad_ckpt,
                "maxTokens": 512,
            },
        }
        events = run_engine(work, spec)
        start = events[0]
        seconds = statistics.median(later_epochs(events))
        print(
            f"| {start['device']['name']} | {dtype} ({start['dtype']}) | {'yes' if args.grad_ckpt else 'no'} | {text.name} + {image.name} "
            f"| {args.images} | {args.batch} | {seconds:.2f} | {args.images / seconds:.1f} |",
            flush=True,
        )


def head_rows(args: argparse.Namespace, work: Path) -> None:
    data = write_features(work)
    print("\n| device | head | parameters | s / epoch |")
    print("|---|---|---:|---:|")
    for fusion in ("concat", "cosine", "cross_attention"):
        spec = {
            "mode": "head",
            "fusion": fusion,
            "head": {"hiddenUnits": 512, "attentionHeads": 8},
            "data": str(data),
            "device": args.device,
            "threads": args.threads,
            "epochs": args.epochs,
            "batchSize": 32,
            "learningRate": 1e-4,
        }
        events = run_engine(work, spec)
        seconds = statistics.median(later_epochs(events))
        print(f"| {events[0]['device']['name']} | {fusion} | {events[0]['parameters']:,} | {seconds:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--text", type=Path, help="Hugging Face folder of the text encoder")
    parser.add_argument("--image", type=Path, help="Hugging Face folder of the CLIP model")
    parser.add_argument("--build-real", type=Path, help="build random BERT-base + CLIP ViT-B/32 folders here and use them")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--dtypes", default="fp32,bf16")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--grad-ckpt", action="store_true")
    parser.add_argument("--heads", action="store_true", help="also time the head-only epoch of each fusion")
    parser.add_argument("--no-finetune", action="store_true")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be ≥ 2 (the first epoch is a warm-up)")

    import torch

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores, GPU {gpu}; torch {torch.__version__}")
    print(f"load average at start: {load}; command: {' '.join(sys.argv)}\n")
    with tempfile.TemporaryDirectory(prefix="agiqa-finetune-bench-") as tmp:
        work = Path(tmp)
        if not args.no_finetune:
            if args.build_real is not None:
                text, image = build_real(args.build_real)
            elif args.text is not None and args.image is not None:
                text, image = args.text, args.image
            else:
                parser.error("give --text and --image, or --build-real DIR")
            finetune_rows(args, text, image, work)
        if args.heads:
            head_rows(args, work)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
