"""The plain PyTorch reference of bench/heads-epoch.ts: one fusion head trained with the shortest loop.

    python bench/reference/heads_epoch.py --fusion cross_attention --head '{"hiddenUnits": 512}' \
        --data DIR --epochs 3 [--threads 1]

What the torch engine's per-epoch time is held against (issue #8: engine ≤ 1.1× this script). It
uses the engine's own head modules (libs/torch-engine heads.py: the same equations and the same
FLOPs; writing them a second time would measure a different model), and none of the engine's
machinery: no spec, no safetensors feature file, no JSON events, no checkpoints, no determinism
settings. Per epoch: Adam (lr from --lr) over shuffled batches of 32 rows, MSE on standardised
targets, then the test predictions, as an epoch of the engine or of `trainHead` is.

Reads the files bench/heads-epoch.ts writes in DIR (little-endian, no header):
  tokens.f32 [P, N, d], mask.f32 [P, N], <split>.image.f32 [n, d], <split>.prompt.i32 [n],
  <split>.targets.f32 [n] for split ∈ train, test.
Prints one JSON line per epoch {epoch, wallMs, cpuMs, trainLoss} and a final line {predictions,
parameters, backend}, as the benchmark's other children do.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "libs/torch-engine/src"))

from agiqa_torch.heads import Head, HeadOptions  # noqa: E402


def read(path: Path, dtype: type[np.generic], shape: tuple[int, ...]) -> torch.Tensor:
    return torch.from_numpy(np.fromfile(path, dtype=dtype).reshape(shape))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fusion", required=True)
    parser.add_argument("--head", default="{}")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--prompts", type=int, default=300)
    parser.add_argument("--tokens", type=int, default=24)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    d, n_tokens = args.dim, args.tokens
    tokens = read(args.data / "tokens.f32", np.float32, (args.prompts, n_tokens, d))  # [P, N, d]
    mask = read(args.data / "mask.f32", np.float32, (args.prompts, n_tokens))  # [P, N]

    def split(name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        image = torch.from_numpy(np.fromfile(args.data / f"{name}.image.f32", dtype=np.float32).reshape(-1, d))  # [n, d]
        prompt = torch.from_numpy(np.fromfile(args.data / f"{name}.prompt.i32", dtype=np.int32)).long()  # [n]
        targets = torch.from_numpy(np.fromfile(args.data / f"{name}.targets.f32", dtype=np.float32))  # [n]
        return image, prompt, targets

    train_image, train_prompt, train_target = split("train")
    test_image, test_prompt, _ = split("test")
    mean, std = float(train_target.double().mean()), float(train_target.double().std(unbiased=False))
    standardised = ((train_target - mean) / std).unsqueeze(1)  # [n, 1]

    head = Head(args.fusion, HeadOptions.from_json(json.loads(args.head)), d, d)
    head.initialise(0)
    optimizer = torch.optim.Adam(head.parameters(), lr=args.lr)
    n = train_image.shape[0]
    predictions = np.empty(0, dtype=np.float32)
    for epoch in range(1, args.epochs + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        head.train()
        total = 0.0
        for rows in torch.randperm(n).split(args.batch):
            prompt = train_prompt[rows]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.mean((head(train_image[rows], tokens[prompt], mask[prompt]) - standardised[rows]) ** 2)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * rows.numel()
        head.eval()
        with torch.no_grad():
            predictions = (head(test_image, tokens[test_prompt], mask[test_prompt]).squeeze(1).double() * std + mean).float().numpy()
        line = {"epoch": epoch, "wallMs": (time.perf_counter() - wall) * 1000, "cpuMs": (time.process_time() - cpu) * 1000, "trainLoss": total / n}
        print(json.dumps(line), flush=True)
    parameters = sum(p.numel() for p in head.parameters())
    print(
        json.dumps(
            {"predictions": predictions.tolist(), "parameters": parameters, "backend": f"torch {torch.__version__} cpu, {args.threads} thread(s)"}
        )
    )


if __name__ == "__main__":
    main()
