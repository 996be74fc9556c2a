"""Fine-tuning on the tiny Hugging Face folders of libs/model/fixtures/tiny (tools/make_tiny_encoders.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open

from agiqa_torch.checkpoint import CHECKPOINT_FILE
from agiqa_torch.errors import EngineError
from agiqa_torch.finetune import load_image_encoder, load_text_encoder, to_rgb
from conftest import write_spec
from test_train import epochs_of, numbers, run_engine

FIXTURES = Path(__file__).resolve().parents[2] / "model" / "fixtures" / "tiny"
PROMPTS = ["a red circle on a white background", "two blue squares", "a cat on a wooden table", "a castle at sunset", "cat"]


def hidden(entry: dict[str, Any]) -> torch.Tensor:
    return torch.tensor(entry["data"]).view(entry["shape"])


@pytest.mark.parametrize("name", ["tiny-bert", "tiny-distilbert", "tiny-roberta"])
def test_tiny_text_folders_hold_the_models_of_the_onnx_fixtures(name: str) -> None:
    reference = json.loads((FIXTURES / name / "reference.json").read_text(encoding="utf-8"))
    model, tokenizer, family = load_text_encoder(FIXTURES / name)
    assert family == reference["config"]["model_type"]
    model.eval()
    for prompt in reference["prompts"]:
        encoded = tokenizer(prompt["text"], truncation=True, max_length=512, return_tensors="pt")
        assert encoded["input_ids"][0].tolist() == prompt["input_ids"]
        with torch.no_grad():
            out = model(**{k: encoded[k] for k in reference["inputNames"]}).last_hidden_state[0]
        assert float((out - hidden(prompt["last_hidden_state"])).abs().max()) < 1e-4, prompt["key"]


@pytest.mark.parametrize(("feature", "output"), [("pooled", "pooler_output"), ("projected", "image_embeds")])
def test_the_tiny_clip_folder_and_the_pixels_match_the_onnx_fixture(feature: str, output: str) -> None:
    reference = json.loads((FIXTURES / "tiny-clip" / "reference.json").read_text(encoding="utf-8"))
    vision, processor = load_image_encoder(FIXTURES / "tiny-clip", feature)
    vision.eval()
    for image in reference["images"]:
        with Image.open(FIXTURES / image["file"]) as pil:
            pixels = processor(images=[to_rgb(pil)], return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            out = getattr(vision(pixel_values=pixels), output)[0]
        assert float((out - hidden(image[output])).abs().max()) < 1e-4, image["file"]


def make_items(folder: Path, *, train: int = 32, test: int = 12, seed: int = 0) -> Path:
    """Small images whose MOS follows their brightness and their prompt (something to learn end to end)."""
    rng = np.random.default_rng(seed)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    items: dict[str, Any] = {"prompts": PROMPTS}
    for name, n in (("train", train), ("test", test)):
        paths, prompts, targets = [], [], []
        for i in range(n):
            brightness = rng.uniform(0, 1)
            p = int(rng.integers(0, len(PROMPTS)))
            pixels = np.clip(brightness * 255 + rng.normal(0, 20, size=(24, 24, 3)), 0, 255).astype(np.uint8)
            path = folder / "images" / f"{name}-{i}.png"
            Image.fromarray(pixels, "RGB").save(path)
            paths.append(str(path))
            prompts.append(p)
            targets.append(float(1 + 3 * brightness + 0.3 * p))
        items[name] = {"images": paths, "prompt": prompts, "target": targets}
    path = folder / "items.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def finetune_spec(folder: Path, **overrides: Any) -> Path:
    options = {
        "textModel": str(FIXTURES / "tiny-bert"),
        "imageModel": str(FIXTURES / "tiny-clip"),
        "encoderLearningRate": 1e-3,
        "frozenLayers": 0,
        "bf16": True,
        "gradientCheckpointing": False,
        "maxTokens": 512,
        **overrides.pop("finetune", {}),
    }
    spec = {
        "mode": "finetune",
        "data": str(folder / "items.json"),
        "batchSize": 8,
        "learningRate": 3e-3,
        "epochs": 4,
        "finetune": options,
        **overrides,
    }
    return write_spec(folder, **spec)


@pytest.fixture
def items(tmp_path: Path) -> Path:
    return make_items(tmp_path)


@pytest.mark.parametrize("fusion", ["concat", "cross_attention"])
def test_fine_tuning_trains_both_encoders_and_the_head_and_the_loss_falls(items: Path, capsys: pytest.CaptureFixture[str], fusion: str) -> None:
    code, events = run_engine(capsys, finetune_spec(items.parent, fusion=fusion, epochs=6))
    assert code == 0
    start = events[0]
    # bf16 is asked for, but this is a CPU: the engine computes (and says it computed) float32.
    assert start["dtype"] == "float32" and start["device"]["kind"] == "cpu"
    epochs = epochs_of(events)
    assert len(epochs) == 6 and all(len(e["test"]) == 12 for e in epochs)
    assert epochs[-1]["trainLoss"] < 0.7 * epochs[0]["trainLoss"]
    with safe_open(epochs[-1]["checkpoint"], framework="pt") as checkpoint:
        names = set(checkpoint.keys())
    # Encoders and head are all trained (and checkpointed with their Adam state).
    for prefix in ("model/text.embeddings.", "model/text.encoder.layer.1.", "model/vision.encoder.layers.0.", "model/head.fc2."):
        assert any(n.startswith(prefix) for n in names), prefix
    assert any(n.startswith("optim/text.encoder.layer.0.") and n.endswith("exp_avg") for n in names)


def test_a_resumed_fine_tuning_run_ends_with_the_numbers_of_an_uninterrupted_one(items: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = items.parent
    whole = epochs_of(run_engine(capsys, finetune_spec(folder, epochs=4, checkpointDir=str(folder / "a")))[1])
    run_engine(capsys, finetune_spec(folder, epochs=2, checkpointDir=str(folder / "b")))
    code, events = run_engine(
        capsys, finetune_spec(folder, epochs=4, checkpointDir=str(folder / "b"), resumeFrom=str(folder / "b" / CHECKPOINT_FILE))
    )
    assert code == 0 and events[0]["resumedFromEpoch"] == 2
    assert numbers(epochs_of(events)) == numbers(whole)


def test_frozen_bottom_layers_stay_as_loaded(items: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, events = run_engine(capsys, finetune_spec(items.parent, epochs=2, finetune={"frozenLayers": 1}))
    assert code == 0
    with safe_open(epochs_of(events)[-1]["checkpoint"], framework="pt") as checkpoint:
        names = set(checkpoint.keys())
    for frozen in (
        "model/text.embeddings.",
        "model/text.encoder.layer.0.",
        "model/vision.embeddings.",
        "model/vision.encoder.layers.0.",
    ):
        assert not any(n.startswith(frozen) for n in names), frozen
    for trained in ("model/text.encoder.layer.1.", "model/vision.encoder.layers.1."):
        assert any(n.startswith(trained) for n in names), trained


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"finetune": {"frozenLayers": 3}}, "finetune.frozenLayers 3 exceeds the 2 layers of the text encoder"),
        ({"finetune": {"textModel": str(FIXTURES / "tiny-clip-no-pooler")}}, "lacks model.safetensors"),
        ({"finetune": {"textModel": str(FIXTURES / "tiny-clip")}}, "holds a clip model; fine-tuning takes bert, distilbert, roberta"),
    ],
)
def test_bad_fine_tuning_options_fail_naming_the_problem(
    items: Path, capsys: pytest.CaptureFixture[str], override: dict[str, Any], message: str
) -> None:
    code, events = run_engine(capsys, finetune_spec(items.parent, **override))
    assert code in (1, 2) and events[-1]["event"] == "error" and message in events[-1]["message"]


def test_a_missing_image_is_named(items: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = items.parent / "images" / "train-3.png"
    missing.unlink()
    code, events = run_engine(capsys, finetune_spec(items.parent))
    assert code == 2 and f"image {missing} of split train does not exist" in events[-1]["message"]


def test_text_folder_loading_refuses_a_folder_without_weights(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EngineError, match=r"lacks model\.safetensors, tokenizer_config\.json"):
        load_text_encoder(tmp_path)


def test_gradient_checkpointing_trades_time_for_memory_without_changing_the_numbers(items: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = epochs_of(run_engine(capsys, finetune_spec(items.parent, epochs=2, checkpointDir=None))[1])
    recomputed = epochs_of(run_engine(capsys, finetune_spec(items.parent, epochs=2, checkpointDir=None, finetune={"gradientCheckpointing": True}))[1])
    assert numbers(recomputed) == numbers(plain)
