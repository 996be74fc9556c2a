"""The platform's inference pipeline written plainly in PyTorch + Hugging Face transformers (and
onnxruntime-python on the same ONNX graphs): the reference our benchmarks print beside their numbers.

It is started by the TypeScript benchmarks (bench/extraction.ts, bench/timing.ts --real) on the
same inputs, interleaved with our own rounds, and prints one JSON object on its last stdout line.
Nothing here is clever on purpose: it is what a researcher would write from the transformers docs.

  python bench/reference/pipeline.py extract --engine torch|onnxruntime --images LIST --prompts JSON
         --text bert-base --out DIR [--batch 32] [--threads N]
      Encodes every image (Pillow decode + CLIPImageProcessor, CLIP vision tower: pooler_output
      and image_embeds) and every distinct prompt (tokenizer + text encoder: last_hidden_state
      without padding) in batches, writes float32 .npy files to DIR, and reports wall time, peak
      RSS, CPU seconds and the size of what it wrote.

  python bench/reference/pipeline.py latency --engine torch|onnxruntime --images LIST --prompts JSON
         --text bert-base --batch 1,8,32 [--warmup 3] [--repeats 20] [--max-tokens 24]
      Stage by stage as libs/model measureLatency: tokenize, text encode, image decode +
      preprocess, image encode, the head (--fusion cross_attention or concat, F_T padded to
      --max-tokens as training pads it), total; milliseconds per batch.

  python bench/reference/pipeline.py floor --text bert-base --prompts JSON [--threads N]
      The compute floor: FLOPs of the text and image encoders counted by torch.utils.flop_counter at
      each prompt length of the set (batch 1), over this machine's fp32 matrix-product rate measured
      now (best of several 2048 × 2048 products).

Models: --hf-dir DIR/<name> (Hugging Face folders, torch engine) and --models-dir DIR/<model id>
(the ONNX folders the platform loads; onnxruntime engine); tools/make_real_encoders.py writes both.
Needs torch, transformers 5, onnxruntime, numpy, pillow.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime
import torch
import transformers
from PIL import Image
from transformers import (
    AutoModel,
    AutoTokenizer,
    CLIPImageProcessorPil,
    CLIPVisionModelWithProjection,
)

IMAGE = "clip-vit-b32"
MODEL_IDS = {
    "bert-base": "Xenova/bert-base-uncased",
    "distilbert": "Xenova/distilbert-base-uncased",
    "roberta": "Xenova/roberta-base",
    IMAGE: "Xenova/clip-vit-base-patch32",
}
TEXT_INPUTS = {"bert": ["input_ids", "attention_mask", "token_type_ids"], "distilbert": ["input_ids", "attention_mask"], "roberta": ["input_ids", "attention_mask"]}
STAGES = ["tokenize", "text_encode", "image_preprocess", "image_encode", "head", "total"]


# ----------------------------------------------------------------------------------------------
# Encoders: the same interface for both engines
# ----------------------------------------------------------------------------------------------
class TorchEncoders:
    """transformers' PyTorch models in eval mode under torch.inference_mode (eager)."""

    def __init__(self, hf_dir: Path, text: str):
        self.tokenizer = AutoTokenizer.from_pretrained(hf_dir / text)
        self.text = AutoModel.from_pretrained(hf_dir / text).eval()
        self.vision = CLIPVisionModelWithProjection.from_pretrained(hf_dir / IMAGE).eval()
        self.processor = CLIPImageProcessorPil.from_pretrained(hf_dir / IMAGE)

    def encode_text(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        with torch.inference_mode():
            return self.text(**{k: torch.from_numpy(v) for k, v in batch.items()}).last_hidden_state.numpy()

    def encode_images(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            inner = self.vision.vision_model(pixel_values=torch.from_numpy(pixels))
            return inner.pooler_output.numpy(), self.vision.visual_projection(inner.pooler_output).numpy()


class OnnxEncoders:
    """onnxruntime-python sessions on the ONNX graphs the platform loads (default session options)."""

    def __init__(self, models_dir: Path, text: str, threads: int):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        text_dir = models_dir / MODEL_IDS[text]
        image_dir = models_dir / MODEL_IDS[IMAGE]
        self.tokenizer = AutoTokenizer.from_pretrained(text_dir)
        self.text = onnxruntime.InferenceSession(str(text_dir / "onnx" / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.text_inputs = [i.name for i in self.text.get_inputs()]
        self.vision = onnxruntime.InferenceSession(str(image_dir / "onnx" / "vision_model.onnx"), options, providers=["CPUExecutionProvider"])
        self.processor = CLIPImageProcessorPil.from_pretrained(image_dir)

    def encode_text(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feeds = {k: batch[k] if k in batch else np.zeros_like(batch["input_ids"]) for k in self.text_inputs}
        return self.text.run(["last_hidden_state"], feeds)[0]

    def encode_images(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pooled, projected = self.vision.run(["pooler_output", "image_embeds"], {"pixel_values": pixels})
        return pooled, projected


def load_encoders(args: argparse.Namespace) -> TorchEncoders | OnnxEncoders:
    torch.set_num_threads(args.threads)
    if args.engine == "torch":
        return TorchEncoders(args.hf_dir, args.text)
    return OnnxEncoders(args.models_dir, args.text, args.threads)


def tokenize(enc: TorchEncoders | OnnxEncoders, texts: list[str], max_length: int = 512) -> dict[str, np.ndarray]:
    return dict(enc.tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="np"))


def preprocess(enc: TorchEncoders | OnnxEncoders, paths: list[str]) -> np.ndarray:
    """Pillow decode + RGB + the CLIP image processor: [batch, 3, 224, 224] float32."""
    images = []
    for path in paths:
        with Image.open(path) as img:
            images.append(img.convert("RGB"))
    return enc.processor(images=images, return_tensors="np")["pixel_values"].astype(np.float32)


# ----------------------------------------------------------------------------------------------
# extract
# ----------------------------------------------------------------------------------------------
def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def extract(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    cpu0 = cpu_seconds()
    enc = load_encoders(args)
    load_ms = (time.perf_counter() - started) * 1000
    paths = [line for line in Path(args.images).read_text().splitlines() if line]
    prompts = list(dict.fromkeys(p["text"] for p in json.loads(Path(args.prompts).read_text())["prompts"]))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    image_start = time.perf_counter()
    pooled, projected = [], []
    for start in range(0, len(paths), args.batch):
        p, q = enc.encode_images(preprocess(enc, paths[start : start + args.batch]))
        pooled.append(p)
        projected.append(q)
    np.save(out / "pooled.npy", np.concatenate(pooled))
    np.save(out / "projected.npy", np.concatenate(projected))
    image_ms = (time.perf_counter() - image_start) * 1000

    text_start = time.perf_counter()
    blocks = []
    for start in range(0, len(prompts), args.batch):
        batch = tokenize(enc, prompts[start : start + args.batch])
        hidden = enc.encode_text(batch)
        lengths = batch["attention_mask"].sum(axis=1)
        blocks.extend(hidden[row, : lengths[row]] for row in range(len(lengths)))
    np.save(out / "text.npy", np.concatenate(blocks))
    text_ms = (time.perf_counter() - text_start) * 1000

    wall_ms = (time.perf_counter() - started) * 1000
    cpu = cpu_seconds() - cpu0
    return {
        "engine": args.engine,
        "images": len(paths),
        "prompts": len(prompts),
        "batch": args.batch,
        "threads": args.threads,
        "loadMs": load_ms,
        "imageMs": image_ms,
        "textMs": text_ms,
        "wallMs": wall_ms,
        "cpuSeconds": cpu,
        "coresUsed": cpu / (wall_ms / 1000),
        # ru_maxrss is in KiB on Linux.
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "outputBytes": sum(f.stat().st_size for f in out.iterdir()),
    }


# ----------------------------------------------------------------------------------------------
# latency
# ----------------------------------------------------------------------------------------------
class ConcatHead(torch.nn.Module):
    """Eq. 4–6 with the platform's defaults: [F_I, masked mean of F_T] → FC 512 → ReLU → FC 1."""

    def __init__(self, image_dim: int, text_dim: int, hidden: int = 512):
        super().__init__()
        self.fc1 = torch.nn.Linear(image_dim + text_dim, hidden)
        self.fc2 = torch.nn.Linear(hidden, 1)

    def forward(self, image: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # image [B, dI]; tokens [B, N, dT]; mask [B, N]
        text = (tokens * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return self.fc2(torch.relu(self.fc1(torch.cat([image, text], 1))))


class CrossAttentionHead(torch.nn.Module):
    """The paper's cross-attention model with the platform's defaults, written plainly: F_I queries
    F_T through 8-head attention, [F_I, attended] → FC 512 → ReLU → FC 1."""

    def __init__(self, image_dim: int, text_dim: int, hidden: int = 512, heads: int = 8):
        super().__init__()
        self.attention = torch.nn.MultiheadAttention(text_dim, heads, kdim=text_dim, vdim=text_dim, batch_first=True)
        self.fc1 = torch.nn.Linear(image_dim + text_dim, hidden)
        self.fc2 = torch.nn.Linear(hidden, 1)

    def forward(self, image: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # image [B, dI] (dI = dT here); tokens [B, N, dT]; mask [B, N] (1 = token)
        attended, _ = self.attention(image[:, None, :], tokens, tokens, key_padding_mask=mask == 0, need_weights=False)
        return self.fc2(torch.relu(self.fc1(torch.cat([image, attended[:, 0]], 1))))


HEADS = {"concat": ConcatHead, "cross_attention": CrossAttentionHead}


def pad_tokens(hidden: np.ndarray, mask: np.ndarray, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """F_T right-padded (or cut) to `width` positions, as training feeds the head."""
    batch, tokens, dim = hidden.shape
    out = np.zeros((batch, width, dim), dtype=np.float32)
    out_mask = np.zeros((batch, width), dtype=np.float32)
    used = min(tokens, width)
    out[:, :used] = hidden[:, :used]
    out_mask[:, :used] = mask[:, :used]
    return torch.from_numpy(out), torch.from_numpy(out_mask)


def latency(args: argparse.Namespace) -> dict:
    enc = load_encoders(args)
    paths = [line for line in Path(args.images).read_text().splitlines() if line]
    prompts = [p["text"] for p in json.loads(Path(args.prompts).read_text())["prompts"]]
    head = HEADS[args.fusion](768, 768).eval()
    rows = []
    cursor = 0
    for batch in [int(b) for b in args.batch.split(",")]:
        timed: dict[str, list[float]] = {s: [] for s in STAGES}
        for iteration in range(args.warmup + args.repeats):
            texts = [prompts[(cursor + j) % len(prompts)] for j in range(batch)]
            files = [paths[(cursor + j) % len(paths)] for j in range(batch)]
            cursor += batch
            marks = [time.perf_counter()]
            tokens = tokenize(enc, texts)
            marks.append(time.perf_counter())
            hidden = enc.encode_text(tokens)
            marks.append(time.perf_counter())
            pixels = preprocess(enc, files)
            marks.append(time.perf_counter())
            pooled, _ = enc.encode_images(pixels)
            marks.append(time.perf_counter())
            with torch.inference_mode():
                padded, mask = pad_tokens(hidden, tokens["attention_mask"], args.max_tokens)
                head(torch.from_numpy(pooled), padded, mask).numpy()
            marks.append(time.perf_counter())
            # Stage i ran from marks[i] to marks[i + 1]; total from the first mark to the last.
            times = {stage: (marks[i + 1] - marks[i]) * 1000 for i, stage in enumerate(STAGES[:-1])}
            times["total"] = (marks[-1] - marks[0]) * 1000
            if iteration >= args.warmup:
                for stage in STAGES:
                    timed[stage].append(times[stage])
        rows.extend({"stage": s, "batchSize": batch, "samplesMs": timed[s]} for s in STAGES)
    return {"engine": args.engine, "threads": args.threads, "fusion": args.fusion, "rows": rows}


# ----------------------------------------------------------------------------------------------
# floor
# ----------------------------------------------------------------------------------------------
def matmul_rate(threads: int, size: int = 2048, repeats: int = 5) -> float:
    """Best fp32 GFLOP/s of torch.matmul on size × size matrices (MKL / oneDNN sgemm) with `threads` threads."""
    torch.set_num_threads(threads)
    a = torch.randn(size, size)
    b = torch.randn(size, size)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def count_flops(run: Callable[[], object]) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        run()
    return counter.get_total_flops()


def floor(args: argparse.Namespace) -> dict:
    config_text = transformers.AutoConfig.from_pretrained(args.hf_dir / args.text)
    text = AutoModel.from_config(config_text).eval()
    vision = CLIPVisionModelWithProjection.from_pretrained(args.hf_dir / IMAGE).eval()
    size = vision.config.image_size
    vision_flops = count_flops(lambda: vision(pixel_values=torch.zeros(1, 3, size, size)))
    lengths = sorted({p["tokens"][args.text] for p in json.loads(Path(args.prompts).read_text())["prompts"]})
    text_flops = {
        n: count_flops(lambda n=n: text(input_ids=torch.ones(1, n, dtype=torch.long), attention_mask=torch.ones(1, n, dtype=torch.long)))
        for n in lengths
    }
    return {"gflops": matmul_rate(args.threads), "threads": args.threads, "visionFlops": vision_flops, "textFlops": text_flops}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["extract", "latency", "floor"])
    parser.add_argument("--engine", choices=["torch", "onnxruntime"], default="torch")
    parser.add_argument("--text", choices=[n for n in MODEL_IDS if n != IMAGE], default="bert-base")
    parser.add_argument("--hf-dir", type=Path, default=Path("/work/cache/models/hf"))
    parser.add_argument("--models-dir", type=Path, default=Path(os.environ.get("AGIQA_MODELS_DIR", "/work/cache/models/onnx")))
    parser.add_argument("--images", help="file listing one image path per line")
    parser.add_argument("--prompts", help="prompt set JSON (bench/data/agiqa3k-prompts.json)")
    parser.add_argument("--out", help="extract: folder for the feature files")
    parser.add_argument("--batch", default="32", help="extract: batch size; latency: comma-separated batch sizes")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=24, help="latency: positions the head's F_T is padded to")
    parser.add_argument("--fusion", choices=sorted(HEADS), default="cross_attention", help="latency: the head after the encoders")
    args = parser.parse_args()
    if args.mode == "extract":
        args.batch = int(args.batch)
        result = extract(args)
    elif args.mode == "latency":
        result = latency(args)
    else:
        result = floor(args)
    result["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__, "onnxruntime": onnxruntime.__version__}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
