"""`python -m agiqa_torch forward IN OUT`: a head's output and gradients for given weights and inputs.

The other half of the parity test (libs/model src/engines/torch-parity.spec.ts): the TypeScript side
builds tfjs heads, writes their weights (tfjs names), inputs and a probe to IN, and compares what
this writes to OUT with tfjs's own output and gradients.

IN (safetensors): for each case i, `<i>/weight/<tfjs name>`, `<i>/image` [B, dI], `<i>/tokens`
[B, N, dT], `<i>/mask` [B, N], `<i>/probe` [B, 1]; metadata `cases` = JSON list of
{fusion, head}. OUT: `<i>/output` [B, 1] and the gradients of sum(output · probe) with respect to
every weight (`<i>/grad/<tfjs name>`) and to the inputs (`<i>/grad/image`, `<i>/grad/tokens`).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from .errors import EngineError
from .heads import Head, HeadOptions, tfjs_name


def forward(source: Path, target: Path) -> int:
    tensors = load_file(str(source))
    with safe_open(str(source), framework="pt") as handle:
        cases = json.loads((handle.metadata() or {})["cases"])
    out: dict[str, torch.Tensor] = {}
    for i, case in enumerate(cases):
        image = tensors[f"{i}/image"].clone().requires_grad_(True)
        tokens = tensors[f"{i}/tokens"].clone().requires_grad_(True)
        mask, probe = tensors[f"{i}/mask"], tensors[f"{i}/probe"]
        head = Head(case["fusion"], HeadOptions.from_json(case["head"]), image.shape[1], tokens.shape[2])
        with torch.no_grad():
            for name, parameter in head.named_parameters():
                key = f"{i}/weight/{tfjs_name(name)}"
                if key not in tensors or tensors[key].shape != parameter.shape:
                    raise EngineError("invalid_input", f"case {i} ({case['fusion']}): no weight {tfjs_name(name)} of shape {list(parameter.shape)}")
                parameter.copy_(tensors[key])
        output = head(image, tokens, mask)
        (output * probe).sum().backward()
        out[f"{i}/output"] = output.detach()
        for name, parameter in head.named_parameters():
            assert parameter.grad is not None
            out[f"{i}/grad/{tfjs_name(name)}"] = parameter.grad
        assert image.grad is not None and tokens.grad is not None
        out[f"{i}/grad/image"] = image.grad
        out[f"{i}/grad/tokens"] = tokens.grad
    save_file({k: v.contiguous() for k, v in out.items()}, str(target))
    return len(cases)
