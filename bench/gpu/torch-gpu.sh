#!/usr/bin/env bash
# The prepared GPU check of the torch engine (issue #8), at most ~10 minutes on one GPU, Python only
# (a GPU machine lent to a session has Python 3.12, torch 2.11 with CUDA 13 and transformers 5.17, no
# Node and no network). Run from the repository root:
#
#   bash bench/gpu/torch-gpu.sh [python]        # default python3; writes its tables to stdout
#
# 1. probe: the engine's own start-up check (a matmul on cuda checked against the CPU);
# 2. fine-tuning throughput, BERT-base + CLIP ViT-B/32 (random weights from their standard configs,
#    built into a temporary folder), concat fusion, batch 32, 256 images, in fp32 and in bf16 autocast;
# 3. the head-only epoch of each fusion at AGIQA-3K shapes on the GPU.
# Paste the output into BENCHMARKS.md ("torch engine on a GPU") with the machine line it prints.
set -euo pipefail
python="${1:-python3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
models="$(mktemp -d -t agiqa-gpu-models-XXXXXX)"
trap 'rm -rf "$models"' EXIT
cd "$root"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
PYTHONPATH="$root/libs/torch-engine/src" timeout 120 "$python" -m agiqa_torch probe --device cuda
timeout 420 "$python" bench/finetune_throughput.py --build-real "$models" --device cuda --dtypes fp32,bf16 --images 256 --batch 32 --epochs 3
timeout 120 "$python" bench/finetune_throughput.py --no-finetune --heads --device cuda --epochs 4
