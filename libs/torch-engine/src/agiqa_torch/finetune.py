"""Fine-tuning mode: a BERT-family text encoder and the CLIP vision tower, loaded with Hugging Face
transformers from standard local folders (config.json, model.safetensors, tokenizer / preprocessor
files), trained end to end with the fusion head.

The data arrives as one JSON file written by the worker (`items.json`): the distinct prompts, and
per split (train, val optional, test) the image paths, each image's prompt index and its MOS. Images
are decoded and preprocessed once, with the Hugging Face CLIP processor on its Pillow backend (what
the frozen mode reproduces in TypeScript), and kept as float32 [n, 3, H, W] on the host (AGIQA-3K:
1.8 GB); batches move to the device as they are used. Prompts are tokenised once, padded to the
longest (at most `maxTokens`), and each batch is cut to its own longest prompt.

Options (libs/contracts FinetuneOptions): the encoders' own Adam step size, frozen bottom layers
(the embeddings and the first k transformer layers of each encoder), bf16 autocast of the forward
pass on a GPU (the CPU computes float32, and the run records the dtype it used), and gradient
checkpointing (activations recomputed in the backward pass: less memory, more time).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch import Tensor, nn

from .errors import EngineError
from .head_task import file_sha256, standardisation
from .heads import Head
from .spec import FinetuneSpec, Spec

TEXT_FAMILIES = ("bert", "distilbert", "roberta")
# Images per forward pass when predicting (memory only; does not change results).
PREDICT_BATCH = 64
# Images decoded and preprocessed at once when caching pixels.
PREPROCESS_BATCH = 64


@dataclass
class Split:
    images: list[Path]
    prompt: Tensor  # [n] int64
    target: np.ndarray  # [n] float32, MOS
    pixels: Tensor | None = None  # [n, 3, H, W] float32, filled by `FinetuneTask`

    @property
    def size(self) -> int:
        return len(self.images)


def load_items(path: Path) -> tuple[list[str], dict[str, Split]]:
    """Reads and checks items.json; every problem names the field, and a missing image names its path."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise EngineError("invalid_input", f"cannot read the items {path}: {error}", "data") from error
    prompts = raw.get("prompts")
    if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
        raise EngineError("invalid_input", f"{path}: prompts must be a non-empty list of strings", "data")
    splits: dict[str, Split] = {}
    for name in ("train", "val", "test"):
        entry = raw.get(name)
        if entry is None and name == "val":
            continue
        if not isinstance(entry, dict):
            raise EngineError("invalid_input", f"{path}: {name} is missing", "data")
        images = [Path(p) for p in entry.get("images", [])]
        prompt = entry.get("prompt", [])
        target = np.asarray(entry.get("target", []), dtype=np.float32)
        if not (len(images) == len(prompt) == len(target)) or not images:
            raise EngineError("invalid_input", f"{path}: {name} needs images, prompt and target of one non-zero length", "data")
        if any((not isinstance(p, int)) or p < 0 or p >= len(prompts) for p in prompt):
            raise EngineError("invalid_input", f"{path}: {name}.prompt points outside the {len(prompts)} prompts", "data")
        if not np.all(np.isfinite(target)):
            raise EngineError("invalid_input", f"{path}: {name}.target holds a value that is not finite", "data")
        missing = next((p for p in images if not p.is_file()), None)
        if missing is not None:
            raise EngineError("invalid_input", f"image {missing} of split {name} does not exist", "data")
        splits[name] = Split(images=images, prompt=torch.tensor(prompt, dtype=torch.long), target=target)
    return prompts, splits


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB with any transparency composited onto white: what the frozen mode's preprocessing does
    (libs/model image-preprocess) and transformers >= 5.24's CLIP processor; 5.17's would drop the
    alpha channel instead, so the conversion happens here, before the processor."""
    if "A" in image.getbands() or image.info.get("transparency") is not None:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return image.convert("RGB")


def folder_fingerprint(folder: Path) -> str:
    """config.json in full; each weight file's size and first and last MiB (hashing GBs per run would cost seconds)."""
    digest = hashlib.sha256()
    digest.update((folder / "config.json").read_bytes())
    for weights in sorted(folder.glob("*.safetensors")):
        size = weights.stat().st_size
        digest.update(f"{weights.name}:{size}".encode())
        with open(weights, "rb") as handle:
            digest.update(handle.read(1 << 20))
            handle.seek(max(0, size - (1 << 20)))
            digest.update(handle.read(1 << 20))
    return digest.hexdigest()


def _require_folder(folder: Path, files: tuple[str, ...], what: str, path: str) -> None:
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise EngineError(
            "not_found",
            f"{what} folder {folder} lacks {', '.join(missing)} (a Hugging Face model folder: config.json, model.safetensors and its tokenizer "
            "or preprocessor files)",
            path,
        )


def load_text_encoder(folder: Path) -> tuple[Any, Any, str]:
    """(model, tokenizer, family) from a BERT / DistilBERT / RoBERTa folder, without BERT's unused pooler."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    _require_folder(folder, ("config.json", "model.safetensors", "tokenizer_config.json"), "text encoder", "finetune.textModel")
    family = str(AutoConfig.from_pretrained(folder).model_type)
    if family not in TEXT_FAMILIES:
        raise EngineError("invalid_input", f"{folder} holds a {family} model; fine-tuning takes {', '.join(TEXT_FAMILIES)}", "finetune.textModel")
    extra = {"add_pooling_layer": False} if family in ("bert", "roberta") else {}
    model = AutoModel.from_pretrained(folder, dtype=torch.float32, **extra)
    return model, AutoTokenizer.from_pretrained(folder), family


def load_image_encoder(folder: Path, image_feature: str) -> tuple[Any, Any]:
    """(CLIP vision tower, its Pillow image processor): pooled F_I (768-d for ViT-B/32) or projected (512-d)."""
    from transformers import CLIPImageProcessorPil, CLIPVisionModel, CLIPVisionModelWithProjection

    _require_folder(folder, ("config.json", "model.safetensors", "preprocessor_config.json"), "image encoder", "finetune.imageModel")
    cls = CLIPVisionModelWithProjection if image_feature == "projected" else CLIPVisionModel
    return cls.from_pretrained(folder, dtype=torch.float32), CLIPImageProcessorPil.from_pretrained(folder)


def freeze_bottom(model: Any, layers: int, family: str, name: str) -> None:
    """Freezes the embeddings and the first `layers` transformer layers (0: nothing is frozen)."""
    if layers == 0:
        return
    if family == "clip":
        # CLIPVisionModel holds the tower's modules itself; CLIPVisionModelWithProjection under vision_model.
        vision = getattr(model, "vision_model", model)
        stem: list[nn.Module] = [vision.embeddings, vision.pre_layrnorm]
        blocks = list(vision.encoder.layers)
    elif family == "distilbert":
        stem, blocks = [model.embeddings], list(model.transformer.layer)
    else:
        stem, blocks = [model.embeddings], list(model.encoder.layer)
    if layers > len(blocks):
        raise EngineError("invalid_input", f"finetune.frozenLayers {layers} exceeds the {len(blocks)} layers of the {name}", "finetune.frozenLayers")
    for module in [*stem, *blocks[:layers]]:
        module.requires_grad_(False)


class FinetuneModel(nn.Module):
    """[pixels [B, 3, H, W], token ids [B, N], mask [B, N]] → encoders → F_I [B, dI], F_T [B, N, dT] → head → [B, 1]."""

    def __init__(self, text: nn.Module, vision: nn.Module, head: Head, image_feature: str) -> None:
        super().__init__()
        self.text = text
        self.vision = vision
        self.head = head
        self.image_feature = image_feature

    def forward(self, pixels: Tensor, tokens: dict[str, Tensor]) -> Tensor:
        f_t = self.text(**tokens).last_hidden_state  # [B, N, dT]
        out = self.vision(pixel_values=pixels)
        f_i = out.image_embeds if self.image_feature == "projected" else out.pooler_output  # [B, dI]
        score: Tensor = self.head(f_i, f_t, tokens["attention_mask"].to(f_t.dtype))  # [B, 1]
        return score


class FinetuneTask:
    """The `loop.Task` of fine-tuning mode."""

    def __init__(self, spec: Spec, device: torch.device) -> None:
        assert spec.finetune is not None
        from transformers.utils import logging

        # from_pretrained reports the CLIP text tower's weights it skips; they are meant to be skipped.
        logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        options: FinetuneSpec = spec.finetune
        self.device = device
        self.options = options
        self.autocast = options.bf16 and device.type == "cuda"
        self.dtype = "bfloat16-autocast" if self.autocast else "float32"
        prompts, self.splits = load_items(spec.data)
        text, tokenizer, family = load_text_encoder(options.text_model)
        vision, processor = load_image_encoder(options.image_model, spec.head.image_feature)
        freeze_bottom(text, options.frozen_layers, family, "text encoder")
        freeze_bottom(vision, options.frozen_layers, "clip", "image encoder")
        if options.gradient_checkpointing:
            for encoder in (text, vision):
                encoder.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        text_dim = int(text.config.hidden_size if family != "distilbert" else text.config.dim)
        image_dim = int(vision.config.projection_dim if spec.head.image_feature == "projected" else vision.config.hidden_size)
        head = Head(spec.fusion, spec.head, image_dim, text_dim)
        head.initialise(spec.seed)
        self._model = FinetuneModel(text, vision, head, spec.head.image_feature).to(device)

        encoded = tokenizer(prompts, truncation=True, max_length=options.max_tokens, padding="longest", return_tensors="pt")
        self.tokens = {k: v.to(device) for k, v in encoded.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        for split in self.splits.values():
            split.pixels = self._preprocess(processor, split.images)
        train = self.splits["train"]
        self.mean, self.std = standardisation(train.target)
        standardised = (train.target.astype(np.float64) - self.mean) / self.std
        self.targets = torch.from_numpy(standardised.astype(np.float32)).to(device).unsqueeze(1)  # [n, 1]
        self.pixel_hash = self._pixel_hash()
        self.data_hash = file_sha256(spec.data)

    @property
    def model(self) -> nn.Module:
        return self._model

    @property
    def train_size(self) -> int:
        return self.splits["train"].size

    @property
    def has_val(self) -> bool:
        return "val" in self.splits

    def _preprocess(self, processor: Any, images: list[Path]) -> Tensor:
        chunks = []
        for start in range(0, len(images), PREPROCESS_BATCH):
            batch = []
            for path in images[start : start + PREPROCESS_BATCH]:
                try:
                    with Image.open(path) as image:
                        batch.append(to_rgb(image))
                except (OSError, UnidentifiedImageError) as error:
                    raise EngineError("invalid_input", f"image {path} cannot be decoded: {error}", "data") from error
            chunks.append(processor(images=batch, return_tensors="pt")["pixel_values"])
        pixels = torch.cat(chunks)
        return pixels.pin_memory() if self.device.type == "cuda" else pixels

    def _pixel_hash(self) -> str:
        digest = hashlib.sha256()
        for name in ("train", "val", "test"):
            split = self.splits.get(name)
            if split is not None and split.pixels is not None:
                digest.update(split.pixels.numpy().tobytes())
        return digest.hexdigest()

    def param_groups(self) -> list[dict[str, Any]]:
        encoders = [p for m in (self._model.text, self._model.vision) for p in m.parameters() if p.requires_grad]
        head = [p for p in self._model.head.parameters() if p.requires_grad]
        return [{"params": encoders, "lr": self.options.encoder_learning_rate}, {"params": head}]

    def _inputs(self, split: Split, rows: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """Pixels [b, 3, H, W] and the rows' prompts cut to their longest: {input_ids, attention_mask[, token_type_ids]} [b, L]."""
        assert split.pixels is not None
        prompt = split.prompt[rows].to(self.device)
        mask = self.tokens["attention_mask"][prompt]
        length = int(mask.sum(1).max())
        tokens = {k: v[prompt, :length] for k, v in self.tokens.items()}
        return split.pixels[rows].to(self.device, non_blocking=True), tokens

    def loss(self, rows: Tensor) -> Tensor:
        pixels, tokens = self._inputs(self.splits["train"], rows)
        with torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            predicted = self._model(pixels, tokens)  # [b, 1]
        return torch.mean((predicted.float() - self.targets[rows.to(self.device)]) ** 2)

    @torch.no_grad()
    def predict(self, split_name: str) -> np.ndarray:
        split = self.splits[split_name]
        out = np.empty(split.size, dtype=np.float64)
        for start in range(0, split.size, PREDICT_BATCH):
            rows = torch.arange(start, min(start + PREDICT_BATCH, split.size))
            pixels, tokens = self._inputs(split, rows)
            with torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
                predicted = self._model(pixels, tokens)
            out[start : start + rows.numel()] = predicted.float().squeeze(1).double().cpu().numpy()
        return (out * self.std + self.mean).astype(np.float32)

    def describe(self) -> dict[str, Any]:
        return {"targetMean": self.mean, "targetStd": self.std}

    def identity(self, spec: Spec) -> dict[str, Any]:
        o = self.options
        return {
            "mode": "finetune",
            "fusion": spec.fusion,
            "head": spec.head.to_json(),
            "batchSize": spec.batch_size,
            "learningRate": spec.learning_rate,
            "seed": spec.seed,
            "data": self.data_hash,
            "pixels": self.pixel_hash,
            "encoderLearningRate": o.encoder_learning_rate,
            "frozenLayers": o.frozen_layers,
            "gradientCheckpointing": o.gradient_checkpointing,
            "maxTokens": o.max_tokens,
            "textModel": folder_fingerprint(o.text_model),
            "imageModel": folder_fingerprint(o.image_model),
        }
