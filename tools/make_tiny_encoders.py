"""Generate the tiny encoder fixtures of @agiqa/model from the reference implementation.

Nothing can be downloaded on the machines this project is built on, neither weights nor tokenizer
vocabularies. This script builds, from configs alone and with fixed seeds:

  tiny-bert        BertModel        WordPiece (uncased, BERT normaliser / pre-tokeniser, [CLS] … [SEP])
  tiny-distilbert  DistilBertModel  the same WordPiece vocabulary (as distilbert-base-uncased shares BERT's)
  tiny-roberta     RobertaModel     byte-level BPE, <s> … </s>
  tiny-clip        CLIPModel        CLIP-style BPE (</w> suffix) for the text tower, real CLIP image
                                    preprocessing (shortest-edge bicubic resize, centre crop, CLIP mean/std)

Tokenizers are TRAINED with the `tokenizers` library on a generated corpus of generic image prompts
(counts, colours, shapes, subjects, backgrounds, styles, quality words), then handed to the Hugging
Face tokenizer classes, which add each model family's own normaliser / pre-tokeniser / template, and
saved with `save_pretrained` (tokenizer.json + tokenizer_config.json) so that transformers.js
`AutoTokenizer` loads them as it loads the real ones.

The random models are saved as ordinary PyTorch checkpoints and exported by tools/encoder_export.py,
the same code that exports the real encoders (legacy TorchScript exporter, dynamo=False, opset 17,
dynamic batch and sequence axes), into the folder layout transformers.js reads for a local model:

  <name>/config.json, tokenizer.json, tokenizer_config.json
  <name>/onnx/model.onnx                                   text models: input_ids, attention_mask
                                                           (+ token_type_ids for BERT) -> last_hidden_state
  tiny-clip/preprocessor_config.json
  tiny-clip/onnx/vision_model.onnx                         pixel_values -> image_embeds, last_hidden_state,
                                                           pooler_output
  tiny-clip/onnx/text_model.onnx                           input_ids, attention_mask -> text_embeds,
                                                           last_hidden_state
  tiny-clip-no-pooler/                                     tiny-clip's vision tower as Xenova's CLIP repos
                                                           ship it: no pooler_output
  */onnx/*_quantized.onnx                                  int8 dynamically quantised copies (dtype q8),
                                                           tools/encoder_export.py quantize_folder

The same seeded models are also saved with `save_pretrained` as `model.safetensors` beside each
folder's config.json and tokenizer files (tiny-bert, tiny-distilbert, tiny-roberta, tiny-clip), which
makes each folder a standard Hugging Face model folder too: the torch engine fine-tunes them
(`AutoModel` / `CLIPVisionModel.from_pretrained(folder)`), and libs/torch-engine's tests check that
they reproduce the ONNX graphs' reference outputs (one model, two formats).

Reference outputs computed by PyTorch go to <name>/reference.json: token ids and masks from the saved
Python tokenizer, last_hidden_state per prompt (each prompt encoded alone, no padding), and for CLIP
the HF image processor's pixel_values, pooler_output and image_embeds of the committed images in
images/, the text embeddings of the antonym pair "Good photo." / "Bad photo.", and the CLIP-IQA
scores (Eqs. 1-2 of the paper) at logit scale 100 and at the model's own scale.

Regenerate (deterministic; ~1 minute on 2 CPU cores; needs torch, transformers 5, tokenizers, onnx,
onnxruntime, numpy, pillow):

  tools/.venv/bin/python tools/make_tiny_encoders.py            # writes libs/model/fixtures/tiny
  tools/.venv/bin/python tools/make_tiny_encoders.py --out DIR  # somewhere else

then run `cd libs/model && npx vitest run src/encoders` (the parity tests read these files) and
commit the folder. The random weights are NOT the real models and are never presented as such.

Versions matter: the committed fixtures were made with transformers 5.24.0 (reference.json records
every version). The random initialisation of CLIP differs between transformers 5.17 and 5.24, so
to add a file without changing the models, run with that version first on the path
(`pip install --target /tmp/tf524 --no-deps transformers==5.24.0; PYTHONPATH=/tmp/tf524 ...`),
write to `--out`, and copy what is new; libs/torch-engine's tests check that the Hugging Face
folders reproduce reference.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import PIL
import tokenizers
import torch
import transformers
from encoder_export import OPSET, TEXT_INPUTS, check_graph, export_clip, export_text_encoder, quantize_folder
from PIL import Image, ImageDraw
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers
from transformers import (
    BertConfig,
    BertModel,
    BertTokenizer,
    CLIPConfig,
    CLIPImageProcessorPil,
    CLIPModel,
    CLIPTokenizer,
    DistilBertConfig,
    DistilBertModel,
    DistilBertTokenizer,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizer,
)

SEED = 20250101
# Prompts up to 512 tokens (BERT's limit), never cut to CLIP's 77.
MAX_TOKENS = 512
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "libs" / "model" / "fixtures" / "tiny"

# ----------------------------------------------------------------------------------------------
# Corpus: generic English image-prompt vocabulary.
# ----------------------------------------------------------------------------------------------
COUNTS = "a an one two three four five six seven eight nine ten eleven twelve several many few single pair of dozen".split()
DIGITS = [str(n) for n in range(0, 21)] + ["100", "1000", "3d", "4k", "8k", "16k"]
COLOURS = (
    "red orange yellow green blue purple pink brown black white gray grey cyan magenta gold golden silver teal navy "
    "beige violet crimson turquoise maroon olive lime indigo amber ivory scarlet emerald pastel neon dark light pale "
    "bright vivid muted colorful colourful monochrome"
).split()
SHAPES = (
    "circle circles square squares triangle triangles star stars hexagon hexagons pentagon rectangle rectangles "
    "ellipse diamond heart cross ring cube cubes sphere spheres cone cylinder pyramid dot dots line lines stripe "
    "stripes spiral polygon blob"
).split()
SUBJECTS = (
    "cat dog horse bird fish car house tree flower flowers woman man girl boy child person people robot dragon castle "
    "bridge boat ship city mountain lake river apple orange cup chair table book guitar clock lamp bicycle train "
    "airplane astronaut portrait landscape face eye hand cake pizza coffee window door street road garden forest "
    "beach ocean sea sky cloud clouds sun moon star planet galaxy tower church temple statue painting sculpture "
    "butterfly lion tiger wolf fox owl bear rabbit elephant monkey panda unicorn knight warrior princess king queen "
    "wizard witch soldier city skyline village farm field mushroom cabin bottle vase shoe hat dress"
).split()
BACKGROUNDS = (
    "background backdrop plain white black gradient studio wooden table marble brick wall grass field snow night sky "
    "space sunset sunrise desert jungle underwater cityscape room kitchen bedroom office library interior exterior"
).split()
STYLES = (
    "photorealistic realistic photo photograph photography oil painting watercolor watercolour sketch drawing pencil "
    "charcoal cartoon anime manga digital art 3d render rendering pixel art minimalist minimal impressionist "
    "surreal surrealism cyberpunk steampunk vintage retro black and white low poly concept illustration poster "
    "studio lighting cinematic dramatic soft lighting highly detailed intricate trending on artstation unreal engine "
    "octane render bokeh hdr ultra sharp focus depth of field wide angle close up macro aerial view isometric "
    "baroque renaissance gothic art nouveau pop abstract expressionism style by artist masterpiece"
).split()
ADJECTIVES = (
    "small large tiny huge big little old new young ancient futuristic modern beautiful ugly pretty cute scary "
    "happy sad angry calm peaceful busy empty crowded shiny glowing glossy matte soft sharp blurry blurred sunny "
    "rainy foggy misty stormy snowy wooden metal metallic glass plastic stone paper fluffy furry smooth rough wet "
    "dry hot cold warm cool magical mysterious epic giant cozy elegant"
).split()
RELATIONS = (
    "on in at under over above below behind beside next to on top of in front of near inside outside with without "
    "and or the of by from into through between around holding wearing sitting standing running flying floating "
    "walking swimming jumping looking reading eating playing riding made is are was it its this that there their"
).split()
QUALITY = (
    "good bad photo image picture quality high low noisy distorted clear sharp blurry artifacts artifact "
    "compression overexposed underexposed aesthetic pleasing natural unnatural deformed extra fingers text "
    "watermark resolution detailed simple complex"
).split()
PUNCTUATION = list(",.;:!?-'\"()&#%/+")
UNICODE = ["café", "naïve", "über", "façade", "jalapeño", "résumé", "—", "“quoted”", "°", "é", "日本", "🙂"]


def corpus(rng: random.Random) -> list[str]:
    """Deterministic prompt corpus covering every vocabulary word many times."""
    words = [COUNTS, DIGITS, COLOURS, SHAPES, SUBJECTS, BACKGROUNDS, STYLES, ADJECTIVES, RELATIONS, QUALITY]
    lines: list[str] = []
    for _ in range(4000):
        parts = [
            rng.choice(COUNTS),
            rng.choice(ADJECTIVES),
            rng.choice(COLOURS),
            rng.choice(SHAPES + SUBJECTS),
            rng.choice(RELATIONS),
            "a",
            rng.choice(COLOURS),
            rng.choice(BACKGROUNDS),
        ]
        text = " ".join(parts)
        extra = ", ".join(rng.sample(STYLES, 3))
        lines.append(f"{text}, {extra}{rng.choice(PUNCTUATION)}")
    for group in words:
        lines.append(" ".join(group))
        lines.append(" ".join(w.capitalize() for w in group))
    lines.append(" ".join(UNICODE))
    lines.append(" ".join(PUNCTUATION))
    lines.extend(["Good photo.", "Bad photo.", "A good photo.", "A bad photo."] * 10)
    return lines


# ----------------------------------------------------------------------------------------------
# Prompts whose reference outputs are stored.
# ----------------------------------------------------------------------------------------------
LONG_PROMPT = (
    "A highly detailed oil painting of three small red circles and two large blue triangles floating above a "
    "wooden table in a cozy kitchen at sunset, with soft lighting, dramatic shadows, golden reflections on a "
    "glass vase, a sleeping cat beside an old book, a clock on the brick wall, and a window that shows a "
    "misty mountain landscape with a river, a bridge, a castle and a village under a stormy sky; "
    "cinematic, intricate, sharp focus, depth of field, trending on artstation, masterpiece."
)
UNICODE_PROMPT = "Café au lait — naïve “quoted” façade, 8k résumé & jalapeño: 42°! (日本) 🙂 Ωmega"
REFERENCE_PROMPTS = [
    ("good", "Good photo."),
    ("shapes", "a red circle on a white background"),
    ("style", "Three blue triangles and two yellow squares, oil painting, highly detailed"),
    ("long", LONG_PROMPT),
    ("unicode", UNICODE_PROMPT),
    ("short", "cat"),
]
# More than 512 tokens: only token ids are stored (truncation parity), not hidden states.
OVERLONG_PROMPT = " ".join([LONG_PROMPT] * 6)
ANTONYMS = ["Good photo.", "Bad photo."]


# ----------------------------------------------------------------------------------------------
# Tokenizers
# ----------------------------------------------------------------------------------------------
def train_wordpiece(lines: list[str]) -> dict[str, int]:
    """WordPiece vocabulary under BERT's uncased normaliser and pre-tokeniser.

    `tokenizers`' WordPiece trainer assigns the ids of its `##` pieces in hash-map order, which breaks
    ties between equally frequent merges differently on every run. Its BPE trainer is deterministic,
    so the merges are learnt with it and turned into WordPiece form: the first piece of a word keeps
    its spelling, word-internal pieces get the `##` prefix (what the WordPiece trainer does itself).
    """
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, show_progress=False)
    tok.train_from_iterator(lines, trainer)

    words = sorted({w for line in lines for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line))})
    alphabet = sorted({c for w in words for c in w})
    pieces: list[str] = []
    for word in words:
        parts = [t.value for t in tok.model.tokenize(word)]
        pieces.append(parts[0])
        pieces.extend("##" + p for p in parts[1:])
    vocab: dict[str, int] = {}
    for token in specials + alphabet + ["##" + c for c in alphabet] + sorted(set(pieces)):
        vocab.setdefault(token, len(vocab))
    return vocab


def train_byte_bpe(lines: list[str]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=1200,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines, trainer)
    return tok.get_vocab(), _merges(tok)


def train_clip_bpe(lines: list[str]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """CLIP's vocabulary layout: 256 byte symbols, the same with </w>, the merges, then the specials."""
    tok = Tokenizer(models.BPE(continuing_subword_prefix="", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(
                Regex(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""),
                behavior="removed",
                invert=True,
            ),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=1200,
        end_of_word_suffix="</w>",
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines, trainer)
    merges = _merges(tok)
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    ordered = alphabet + [c + "</w>" for c in alphabet] + ["".join(m) for m in merges]
    ordered += ["<|startoftext|>", "<|endoftext|>"]
    vocab: dict[str, int] = {}
    for token in ordered:
        vocab.setdefault(token, len(vocab))
    return vocab, merges


def _merges(tok: Tokenizer) -> list[tuple[str, str]]:
    data = json.loads(tok.to_str())
    return [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["model"]["merges"]]


# ----------------------------------------------------------------------------------------------
# Reference outputs
# ----------------------------------------------------------------------------------------------
def floats(array: np.ndarray) -> dict:
    """Flattened float32 values rounded to 9 significant digits (exact float32 round-trip)."""
    array = np.asarray(array, dtype=np.float32)
    return {"shape": list(array.shape), "data": [float(f"{v:.9g}") for v in array.reshape(-1).tolist()]}


# pixel_values of a 224 × 224 crop are 150,528 floats per image: the reference keeps every
# PIXEL_STRIDE-th one (a stride coprime with 224 and 3 visits every row, column and channel), which
# catches any resize or normalisation error while keeping the fixture small. The exact Pillow
# resize is checked in full by images/resize-reference.json.
PIXEL_STRIDE = 31


def strided_floats(array: np.ndarray, stride: int) -> dict:
    """Every `stride`-th value of the flattened array, with the full shape and the stride."""
    array = np.asarray(array, dtype=np.float32)
    sample = array.reshape(-1)[::stride]
    return {"shape": list(array.shape), "stride": stride, "data": [float(f"{v:.9g}") for v in sample.tolist()]}


def versions() -> dict:
    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "pillow": PIL.__version__,
        "seed": SEED,
        "opset": OPSET,
    }


# ----------------------------------------------------------------------------------------------
# Text models
# ----------------------------------------------------------------------------------------------
TEXT_SIZES = dict(hidden=32, layers=2, heads=4, intermediate=64)


def build_text(name: str, out: Path, checkpoints: Path, tokenizer, model: torch.nn.Module) -> None:
    """Saves the random model as a PyTorch checkpoint, exports it like a real one, writes references."""
    checkpoint = checkpoints / name
    tokenizer.model_max_length = MAX_TOKENS
    tokenizer.save_pretrained(checkpoint)
    model.save_pretrained(checkpoint)

    folder = out / name
    model, saved = export_text_encoder(checkpoint, folder, MAX_TOKENS)
    quantize_folder(folder)
    shutil.copyfile(checkpoint / "model.safetensors", folder / "model.safetensors")
    input_names = TEXT_INPUTS[model.config.model_type]
    onnx_path = folder / "onnx" / "model.onnx"

    prompts = []
    for key, text in REFERENCE_PROMPTS:
        # Each prompt alone, unpadded: the reference a batched, padded extraction must reproduce.
        enc = saved(text, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**{n: enc[n] for n in input_names}).last_hidden_state[0].numpy()
        check_graph(onnx_path, {n: enc[n].numpy() for n in input_names}, {"last_hidden_state": hidden[None]}, atol=1e-5)
        prompts.append(
            {
                "key": key,
                "text": text,
                "input_ids": enc["input_ids"][0].tolist(),
                "attention_mask": enc["attention_mask"][0].tolist(),
                "last_hidden_state": floats(hidden),
            }
        )
    overlong = saved(OVERLONG_PROMPT, truncation=True, max_length=MAX_TOKENS)
    reference = {
        "name": name,
        "generator": "tools/make_tiny_encoders.py",
        "versions": versions(),
        "config": {k: v for k, v in model.config.to_dict().items() if k in ("model_type", "hidden_size", "dim", "num_hidden_layers", "n_layers", "vocab_size", "max_position_embeddings")},
        "maxTokens": MAX_TOKENS,
        "inputNames": input_names,
        "prompts": prompts,
        "truncation": {"text": OVERLONG_PROMPT, "maxLength": MAX_TOKENS, "input_ids": overlong["input_ids"]},
    }
    write_json(folder / "reference.json", reference)


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def make_bert(out: Path, checkpoints: Path, vocab: dict[str, int]) -> None:
    tokenizer = BertTokenizer(vocab=vocab)
    torch.manual_seed(SEED)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=TEXT_SIZES["hidden"],
        num_hidden_layers=TEXT_SIZES["layers"],
        num_attention_heads=TEXT_SIZES["heads"],
        intermediate_size=TEXT_SIZES["intermediate"],
        max_position_embeddings=MAX_TOKENS,
        pad_token_id=tokenizer.pad_token_id,
    )
    build_text("tiny-bert", out, checkpoints, tokenizer, BertModel(config))


def make_distilbert(out: Path, checkpoints: Path, vocab: dict[str, int]) -> None:
    tokenizer = DistilBertTokenizer(vocab=vocab)
    torch.manual_seed(SEED + 1)
    config = DistilBertConfig(
        vocab_size=len(vocab),
        dim=TEXT_SIZES["hidden"],
        n_layers=TEXT_SIZES["layers"],
        n_heads=TEXT_SIZES["heads"],
        hidden_dim=TEXT_SIZES["intermediate"],
        max_position_embeddings=MAX_TOKENS,
        pad_token_id=tokenizer.pad_token_id,
    )
    build_text("tiny-distilbert", out, checkpoints, tokenizer, DistilBertModel(config))


def make_roberta(out: Path, checkpoints: Path, vocab: dict[str, int], merges: list[tuple[str, str]]) -> None:
    tokenizer = RobertaTokenizer(vocab=vocab, merges=merges)
    torch.manual_seed(SEED + 2)
    config = RobertaConfig(
        vocab_size=len(vocab),
        hidden_size=TEXT_SIZES["hidden"],
        num_hidden_layers=TEXT_SIZES["layers"],
        num_attention_heads=TEXT_SIZES["heads"],
        intermediate_size=TEXT_SIZES["intermediate"],
        # RoBERTa numbers positions from padding_idx + 1, so 512 tokens need 514 positions (as roberta-base).
        max_position_embeddings=MAX_TOKENS + 2,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    build_text("tiny-roberta", out, checkpoints, tokenizer, RobertaModel(config))


# ----------------------------------------------------------------------------------------------
# CLIP
# ----------------------------------------------------------------------------------------------
# ViT-B/32's geometry (224 px crop, 32 px patches, 7 × 7 patches): at a smaller crop the blur,
# noise and JPEG artefacts of the synthetic dataset's 224 px images are resized away (a head on
# the tiny features reached test SRCC 0.08–0.30 on 1,000 synthetic images with a 32 px crop,
# 0.21–0.38 with 224 px).
IMAGE_SIZE = 224
PATCH_SIZE = 32


def make_images(folder: Path) -> list[Path]:
    """Small synthetic images: exact crop size, downscaled, upscaled, JPEG, alpha and greyscale."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)

    def scene(width: int, height: int, colour: tuple[int, int, int]) -> Image.Image:
        y, x = np.mgrid[0:height, 0:width]
        base = np.stack([x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1), (x + y) * 127 / max(width + height - 2, 1)], -1)
        noise = rng.integers(0, 48, size=(height, width, 3))
        img = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")
        draw = ImageDraw.Draw(img)
        draw.ellipse([width * 0.2, height * 0.2, width * 0.7, height * 0.7], fill=colour)
        draw.polygon([(width * 0.5, height * 0.1), (width * 0.9, height * 0.9), (width * 0.3, height * 0.8)], outline=(255, 255, 255))
        return img

    paths = []
    specs = [
        ("square-32.png", (32, 32), (220, 30, 30)),
        ("wide-80x48.png", (80, 48), (30, 200, 60)),
        ("small-20x24.png", (20, 24), (40, 40, 230)),
        ("tall-40x96.jpg", (40, 96), (240, 200, 20)),
    ]
    for file, (w, h), colour in specs:
        img = scene(w, h, colour)
        path = folder / file
        if file.endswith(".jpg"):
            img.save(path, quality=90)
        else:
            img.save(path, optimize=False)
        paths.append(path)

    rgba = scene(48, 40, (200, 60, 200)).convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, 48, dtype=np.uint8), (40, 1))
    rgba.putalpha(Image.fromarray(alpha, "L"))
    rgba.save(folder / "alpha-48x40.png")
    paths.append(folder / "alpha-48x40.png")

    grey = scene(36, 36, (128, 128, 128)).convert("L")
    grey.save(folder / "grey-36.png")
    paths.append(folder / "grey-36.png")
    return paths


def make_resize_reference(folder: Path) -> None:
    """Pillow resizes of random small RGB images, every filter and every up/down combination.

    Our TypeScript port of Pillow's resampling must reproduce these bytes exactly.
    """
    rng = np.random.default_rng(SEED + 4)
    filters = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS, "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING}
    cases = []
    for name, resample in filters.items():
        for k in range(8):
            w, h = (int(v) for v in rng.integers(6, 40, 2))
            # Cycle through: both down, both up, width down / height up, width up / height down.
            sign_w, sign_h = [(-1, -1), (1, 1), (-1, 1), (1, -1)][k % 4]
            ow = max(2, w + sign_w * int(rng.integers(1, 20)))
            oh = max(2, h + sign_h * int(rng.integers(1, 20)))
            pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
            out = np.array(Image.fromarray(pixels, "RGB").resize((ow, oh), resample))
            cases.append({"filter": name, "resample": int(resample), "width": w, "height": h, "outWidth": ow, "outHeight": oh, "input": base64.b64encode(pixels.tobytes()).decode(), "output": base64.b64encode(out.tobytes()).decode()})
    write_json(folder / "resize-reference.json", {"generator": "tools/make_tiny_encoders.py", "pillow": PIL.__version__, "cases": cases})


def make_clip(out: Path, checkpoints: Path, vocab: dict[str, int], merges: list[tuple[str, str]]) -> None:
    tokenizer = CLIPTokenizer(vocab=vocab, merges=merges)
    tokenizer.model_max_length = 77
    processor = CLIPImageProcessorPil(size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    bos = tokenizer.convert_tokens_to_ids("<|startoftext|>")
    torch.manual_seed(SEED + 3)
    config = CLIPConfig(
        text_config=dict(
            vocab_size=len(vocab),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=77,
            bos_token_id=bos,
            eos_token_id=eos,
            pad_token_id=eos,
            projection_dim=16,
        ),
        vision_config=dict(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=IMAGE_SIZE,
            patch_size=PATCH_SIZE,
            projection_dim=16,
        ),
        projection_dim=16,
    )
    clip = CLIPModel(config).eval()
    checkpoint = checkpoints / "tiny-clip"
    clip.save_pretrained(checkpoint)
    tokenizer.save_pretrained(checkpoint)
    processor.save_pretrained(checkpoint)

    folder = out / "tiny-clip"
    vision, text, saved_tok, saved_proc = export_clip(checkpoint, folder)
    quantize_folder(folder)
    shutil.copyfile(checkpoint / "model.safetensors", folder / "model.safetensors")
    # The same weights in the layout of Xenova/clip-vit-base-patch32: a vision graph without
    # pooler_output, to test how extraction handles it.
    export_clip(checkpoint, out / "tiny-clip-no-pooler", with_pooler=False, with_text=False)
    images = []
    image_paths = make_images(out / "images")
    make_resize_reference(out / "images")
    for path in image_paths:
        with Image.open(path) as img:
            pixels = saved_proc(images=img, return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            vis = vision(pixel_values=pixels)
            pooled = vision.vision_model(pixel_values=pixels).pooler_output
        check_graph(folder / "onnx" / "vision_model.onnx", {"pixel_values": pixels.numpy()}, {"image_embeds": vis.image_embeds.numpy(), "pooler_output": pooled.numpy()}, atol=1e-5)
        images.append(
            {
                "file": f"images/{path.name}",
                "pixel_values": strided_floats(pixels[0].numpy(), PIXEL_STRIDE),
                "pooler_output": floats(pooled[0].numpy()),
                "image_embeds": floats(vis.image_embeds[0].numpy()),
            }
        )

    antonyms = saved_tok(ANTONYMS, padding=True, return_tensors="pt")
    with torch.no_grad():
        text_embeds = text(input_ids=antonyms["input_ids"], attention_mask=antonyms["attention_mask"]).text_embeds
    check_graph(folder / "onnx" / "text_model.onnx", {k: antonyms[k].numpy() for k in ("input_ids", "attention_mask")}, {"text_embeds": text_embeds.numpy()}, atol=1e-5)

    # CLIP-IQA (Eqs. 1-2): softmax over the antonym pair of scale * cosine, score = P("Good photo.").
    image_embeds = torch.tensor(np.stack([np.asarray(i["image_embeds"]["data"], dtype=np.float32) for i in images]))
    model_scale = float(clip.logit_scale.exp())

    def clip_iqa(scale: float) -> list[float]:
        img = torch.nn.functional.normalize(image_embeds, dim=-1)
        txt = torch.nn.functional.normalize(text_embeds, dim=-1)
        probs = torch.softmax(scale * img @ txt.T, dim=-1)
        return [float(p) for p in probs[:, 0]]

    reference = {
        "name": "tiny-clip",
        "generator": "tools/make_tiny_encoders.py",
        "versions": versions(),
        "imageProcessor": type(saved_proc).__name__,
        "config": {
            "visionHidden": config.vision_config.hidden_size,
            "textHidden": config.text_config.hidden_size,
            "projectionDim": config.projection_dim,
            "imageSize": IMAGE_SIZE,
            "patchSize": PATCH_SIZE,
        },
        "images": images,
        "antonyms": {
            "prompts": ANTONYMS,
            "input_ids": antonyms["input_ids"].tolist(),
            "attention_mask": antonyms["attention_mask"].tolist(),
            "text_embeds": floats(text_embeds.numpy()),
        },
        "clipIqa": {
            "files": [i["file"] for i in images],
            "logitScale": 100.0,
            "scores": clip_iqa(100.0),
            "modelLogitScale": model_scale,
            "scoresAtModelScale": clip_iqa(model_scale),
        },
    }
    write_json(folder / "reference.json", reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    torch.set_num_threads(1)
    random.seed(SEED)
    np.random.seed(SEED)
    # The unicode reference prompt stays out of training: its "Ω" must exercise the unknown-token path.
    lines = corpus(random.Random(SEED)) + [t for k, t in REFERENCE_PROMPTS if k != "unicode"]

    wordpiece = train_wordpiece(lines)
    # Random models are saved as ordinary PyTorch checkpoints first, then exported by the same code
    # (tools/encoder_export.py) that exports the real encoders.
    with tempfile.TemporaryDirectory(prefix="agiqa-tiny-") as tmp:
        checkpoints = Path(tmp)
        make_bert(out, checkpoints, wordpiece)
        make_distilbert(out, checkpoints, wordpiece)
        make_roberta(out, checkpoints, *train_byte_bpe(lines))
        make_clip(out, checkpoints, *train_clip_bpe(lines))

    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
