"""Export a Hugging Face PyTorch checkpoint to the ONNX folder layout @agiqa/model loads.

One code path for the real encoders (bert-base-uncased, distilbert-base-uncased, roberta-base,
clip-vit-base-patch32) and for the tiny random fixtures built by tools/make_tiny_encoders.py: the
parity tests of the tiny fixtures therefore also cover this exporter.

Layout written to OUT (what transformers.js reads for a local model):

  text families (bert, distilbert, roberta)
    config.json, tokenizer.json, tokenizer_config.json
    onnx/model.onnx        inputs input_ids, attention_mask (+ token_type_ids for bert)
                           output last_hidden_state [batch, tokens, hidden]
  clip
    config.json, tokenizer.json, tokenizer_config.json, preprocessor_config.json
    onnx/vision_model.onnx pixel_values -> image_embeds [batch, projection], last_hidden_state,
                           pooler_output [batch, hidden] (post-layernorm CLS, the pre-projection F_I)
    onnx/text_model.onnx   input_ids, attention_mask -> text_embeds [batch, projection], last_hidden_state

Why not just use the Xenova/* repositories: their CLIP vision graph has no pooler_output (only
image_embeds and last_hidden_state), so the 768-d pooled F_I cannot be read from it, and their text
repositories are fill-mask exports whose graph may end in logits instead of last_hidden_state.

Legacy TorchScript exporter (dynamo=False), opset 17, dynamic batch and sequence axes, fp32. Every
exported graph is run by onnxruntime and compared with PyTorch before this returns.

`quantize_folder` adds int8 dynamically quantised copies beside the fp32 graphs under the names
transformers.js loads for `dtype: "q8"` (`onnx/model_quantized.onnx`, `onnx/vision_model_quantized.onnx`,
`onnx/text_model_quantized.onnx`), as the hub's Xenova/* repositories ship them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import (
    AutoConfig,
    AutoModel,
    AutoTokenizer,
    CLIPImageProcessorPil,
    CLIPTextModelWithProjection,
    CLIPVisionModelWithProjection,
)

OPSET = 17

# model_type -> ONNX inputs of the feature-extraction graph (transformers.js feeds what the graph names).
TEXT_INPUTS: dict[str, list[str]] = {
    "bert": ["input_ids", "attention_mask", "token_type_ids"],
    "distilbert": ["input_ids", "attention_mask"],
    "roberta": ["input_ids", "attention_mask"],
}
FAMILIES = [*TEXT_INPUTS, "clip"]
EXAMPLE_TEXTS = ["a red circle", "two blue squares on a white background"]


class TextWrapper(torch.nn.Module):
    def __init__(self, model: torch.nn.Module, input_names: list[str]):
        super().__init__()
        self.model = model
        self.input_names = input_names

    def forward(self, *args):
        return self.model(**dict(zip(self.input_names, args))).last_hidden_state


class ClipTextWrapper(torch.nn.Module):
    def __init__(self, model: CLIPTextModelWithProjection):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return out.text_embeds, out.last_hidden_state


class ClipVisionWrapper(torch.nn.Module):
    def __init__(self, model: CLIPVisionModelWithProjection, with_pooler: bool = True):
        super().__init__()
        self.model = model
        self.with_pooler = with_pooler

    def forward(self, pixel_values):
        inner = self.model.vision_model(pixel_values=pixel_values)
        # pooler_output = post_layernorm(CLS token); image_embeds = visual_projection(pooler_output).
        embeds = self.model.visual_projection(inner.pooler_output)
        if not self.with_pooler:
            return embeds, inner.last_hidden_state
        return embeds, inner.last_hidden_state, inner.pooler_output


def export_graph(module: torch.nn.Module, args: tuple, path: Path, input_names: list[str], output_names: list[str], dynamic: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The exporter restores the wrapper's training flag on every submodule afterwards: a wrapper left in
    # training mode would switch dropout on in the model whose outputs are compared next.
    module.eval()
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    onnx.checker.check_model(str(path))


def check_graph(path: Path, feeds: dict[str, np.ndarray], expected: dict[str, np.ndarray], atol: float = 1e-4) -> float:
    """Runs the graph with onnxruntime and fails unless every named output matches PyTorch within atol."""
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for name, got in zip(expected, session.run(list(expected), feeds)):
        diff = float(np.abs(np.asarray(got) - expected[name]).max())
        if diff > atol:
            raise SystemExit(f"{path}: ONNX output {name} differs from PyTorch by {diff} (> {atol})")
        worst = max(worst, diff)
    return worst


def _fresh(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)


def export_text_encoder(source: str | Path, out: Path, max_tokens: int = 512):
    """Exports the base model of a BERT / DistilBERT / RoBERTa checkpoint (any head is dropped).

    Returns (model, tokenizer) as loaded, for callers that compute reference outputs.
    """
    config = AutoConfig.from_pretrained(source)
    if config.model_type not in TEXT_INPUTS:
        raise SystemExit(f"{source}: model_type {config.model_type!r} is not a supported text family {sorted(TEXT_INPUTS)}")
    names = TEXT_INPUTS[config.model_type]
    model = AutoModel.from_pretrained(source, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.model_max_length = max_tokens

    _fresh(out)
    tokenizer.save_pretrained(out)
    model.config.save_pretrained(out)

    example = tokenizer(EXAMPLE_TEXTS, padding=True, return_tensors="pt")
    dynamic = {n: {0: "batch_size", 1: "sequence_length"} for n in [*names, "last_hidden_state"]}
    path = out / "onnx" / "model.onnx"
    export_graph(TextWrapper(model, names), tuple(example[n] for n in names), path, names, ["last_hidden_state"], dynamic)
    with torch.no_grad():
        hidden = model(**{n: example[n] for n in names}).last_hidden_state.numpy()
    check_graph(path, {n: example[n].numpy() for n in names}, {"last_hidden_state": hidden})
    return model, tokenizer


def export_clip(source: str | Path, out: Path, with_pooler: bool = True, with_text: bool = True):
    """Exports CLIP's two towers separately (as transformers.js loads them), with pooler_output.

    with_pooler=False reproduces the Xenova/clip-* vision graph (image_embeds and last_hidden_state
    only); with_text=False skips the text tower. Returns (vision, text, tokenizer, image_processor).
    """
    config = AutoConfig.from_pretrained(source)
    if config.model_type != "clip":
        raise SystemExit(f"{source}: model_type {config.model_type!r} is not clip")
    vision = CLIPVisionModelWithProjection.from_pretrained(source, attn_implementation="eager").eval()
    text = CLIPTextModelWithProjection.from_pretrained(source, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(source)
    processor = CLIPImageProcessorPil.from_pretrained(source)

    _fresh(out)
    config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    processor.save_pretrained(out)

    size = config.vision_config.image_size
    pixels = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    vision_path = out / "onnx" / "vision_model.onnx"
    outputs = ["image_embeds", "last_hidden_state", *(["pooler_output"] if with_pooler else [])]
    export_graph(ClipVisionWrapper(vision, with_pooler), (pixels,), vision_path, ["pixel_values"], outputs, {n: {0: "batch_size"} for n in ["pixel_values", *outputs]})
    with torch.no_grad():
        got = vision(pixel_values=pixels)
    check_graph(vision_path, {"pixel_values": pixels.numpy()}, {"image_embeds": got.image_embeds.numpy(), "last_hidden_state": got.last_hidden_state.numpy()})

    if not with_text:
        return vision, text, tokenizer, processor
    example = tokenizer(EXAMPLE_TEXTS, padding=True, return_tensors="pt")
    text_path = out / "onnx" / "text_model.onnx"
    seq = {0: "batch_size", 1: "sequence_length"}
    export_graph(
        ClipTextWrapper(text),
        (example["input_ids"], example["attention_mask"]),
        text_path,
        ["input_ids", "attention_mask"],
        ["text_embeds", "last_hidden_state"],
        {"input_ids": seq, "attention_mask": seq, "text_embeds": {0: "batch_size"}, "last_hidden_state": seq},
    )
    with torch.no_grad():
        embeds = text(input_ids=example["input_ids"], attention_mask=example["attention_mask"]).text_embeds.numpy()
    check_graph(text_path, {k: example[k].numpy() for k in ("input_ids", "attention_mask")}, {"text_embeds": embeds})
    return vision, text, tokenizer, processor


def export_encoder(source: str | Path, out: Path, max_tokens: int = 512) -> str:
    """Exports any supported checkpoint; returns its family."""
    model_type = AutoConfig.from_pretrained(source).model_type
    if model_type == "clip":
        export_clip(source, out)
    else:
        export_text_encoder(source, out, max_tokens)
    return model_type


def quantize_folder(out: Path) -> list[Path]:
    """Writes `<graph>_quantized.onnx` beside every fp32 graph of an exported folder; returns them.

    onnxruntime's dynamic quantisation: MatMul and Gemm weights to int8 (per tensor), activations to
    uint8 at run time (onnxruntime's U8S8 kernels on x86-64). Convolutions (CLIP's patch embedding)
    stay fp32: onnxruntime's CPU ConvInteger takes uint8 weights only.
    """
    written = []
    for graph in sorted((out / "onnx").glob("*.onnx")):
        if graph.stem.endswith("_quantized"):
            continue
        target = graph.with_name(f"{graph.stem}_quantized.onnx")
        quantize_dynamic(graph, target, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"])
        onnx.checker.check_model(str(target))
        written.append(target)
    return written
