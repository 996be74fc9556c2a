"""Build real-size, randomly initialised encoders for the benchmarks, and an AGIQA-3K-like prompt set.

Nothing can be downloaded here, neither weights nor vocabularies, and latency, memory and
throughput do not depend on weight values. This script builds the paper's encoders from their
standard configs (the hub's config.json values, written out below) with fixed seeds:

  bert-base     BertModel        12 layers, 768 hidden, 12 heads, 3072 FFN, vocab 30,522
  distilbert    DistilBertModel   6 layers, 768 hidden, 12 heads, 3072 FFN, vocab 30,522
  roberta       RobertaModel     12 layers, 768 hidden, 12 heads, 3072 FFN, vocab 50,265, 514 positions
  clip-vit-b32  CLIPModel        vision 12 × 768 (224 px, 32 px patches), text 12 × 512 (vocab 49,408,
                                 77 positions), projection 512, quick_gelu

Tokenizers are trained as tools/make_tiny_encoders.py trains them (same corpus and trainers: WordPiece
uncased, byte-level BPE, CLIP BPE), then padded to the real vocabulary size with entries no text
reaches (BERT's own vocabulary has 994 such `[unused*]` entries): the embedding matrices, files and
parameter counts are the real ones; the token ids of a prompt are not the real model's.

Writes, under OUT (default .agiqa/bench/models in the repository, git-ignored; hundreds of MB per model, keep it outside git):

  OUT/hf/<name>/           Hugging Face folders: config.json, model.safetensors, tokenizer.json,
                           tokenizer_config.json (+ preprocessor_config.json for CLIP). Load with
                           AutoModel.from_pretrained(OUT/hf/bert-base) etc. (the torch engine's benchmarks).
  OUT/onnx/Xenova/<repo>/  The same weights exported by tools/encoder_export.py into the layout
                           @agiqa/model resolves from AGIQA_MODELS_DIR (AGIQA_MODELS_DIR=OUT/onnx makes
                           bert-base, distilbert, roberta, clip-vit-b32 resolve here), with the int8
                           dynamically quantised graphs (`*_quantized.onnx`, grid `dtype: q8`) beside them.
  OUT/manifest.json        what was built: configs, parameter counts, files, versions, seed.
  bench/data/agiqa3k-prompts.json (in the repository; --prompts to change)
                           300 prompts whose token counts with this BERT tokenizer follow AGIQA-3K's
                           (median 12, maximum 24, [CLS] and [SEP] included).

Every config.json carries `"agiqa_random_weights": true`: @agiqa/model records it with the features it
extracts, and these weights are never presented as the trained models.

  tools/.venv/bin/python tools/make_real_encoders.py                       # all four, ~10 min on 2 cores
  tools/.venv/bin/python tools/make_real_encoders.py --only bert-base --out DIR
  tools/.venv/bin/python tools/make_real_encoders.py --prompts-only         # the prompt set only

Needs torch, transformers 5, tokenizers, safetensors, onnx, onnxruntime, numpy, pillow.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from collections.abc import Callable
from pathlib import Path
from statistics import NormalDist

import onnx
import onnxruntime
import tokenizers
import torch
import transformers
from encoder_export import export_clip, export_text_encoder, quantize_folder
from make_tiny_encoders import (
    ADJECTIVES,
    BACKGROUNDS,
    COLOURS,
    STYLES,
    SUBJECTS,
    corpus,
    train_byte_bpe,
    train_clip_bpe,
    train_wordpiece,
)
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
    PreTrainedTokenizerBase,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizer,
)

SEED = 20250213
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / ".agiqa" / "bench" / "models"
DEFAULT_PROMPTS = ROOT / "bench" / "data" / "agiqa3k-prompts.json"
MAX_TOKENS = 512
RANDOM_MARK = "agiqa_random_weights"

# Our registry name -> the model id @agiqa/model resolves under AGIQA_MODELS_DIR (libs/model registry.ts).
MODEL_IDS = {
    "bert-base": "Xenova/bert-base-uncased",
    "distilbert": "Xenova/distilbert-base-uncased",
    "roberta": "Xenova/roberta-base",
    "clip-vit-b32": "Xenova/clip-vit-base-patch32",
}
# Vocabulary sizes of bert-base-uncased, distilbert-base-uncased, roberta-base, openai/clip-vit-base-patch32.
VOCAB = {"bert": 30522, "roberta": 50265, "clip": 49408}


# ----------------------------------------------------------------------------------------------
# Tokenizers at the real vocabulary sizes
# ----------------------------------------------------------------------------------------------
def pad_vocab(vocab: dict[str, int], size: int, filler: str, keep_last: tuple[str, ...] = ()) -> dict[str, int]:
    """Extends `vocab` to `size` entries with unreachable `filler.format(i)` tokens.

    `keep_last` tokens move to the end, where the real vocabulary has them (CLIP's
    <|startoftext|> = 49406, <|endoftext|> = 49407).
    """
    ordered = [t for t, _ in sorted(vocab.items(), key=lambda item: item[1]) if t not in keep_last]
    if len(ordered) + len(keep_last) > size:
        raise SystemExit(f"trained vocabulary has {len(ordered) + len(keep_last)} entries, more than the real {size}")
    fillers = [filler.format(i) for i in range(size - len(ordered) - len(keep_last))]
    out = {token: i for i, token in enumerate([*ordered, *fillers, *keep_last])}
    assert len(out) == size, "filler tokens collide with trained ones"
    return out


def build_tokenizers(lines: list[str]) -> dict[str, PreTrainedTokenizerBase]:
    wordpiece = pad_vocab(train_wordpiece(lines), VOCAB["bert"], "[unused{}]")
    byte_vocab, byte_merges = train_byte_bpe(lines)
    clip_vocab, clip_merges = train_clip_bpe(lines)
    clip_tok = CLIPTokenizer(
        vocab=pad_vocab(clip_vocab, VOCAB["clip"], "<|unused{}|>", ("<|startoftext|>", "<|endoftext|>")), merges=clip_merges
    )
    clip_tok.model_max_length = 77
    toks: dict[str, PreTrainedTokenizerBase] = {
        "bert-base": BertTokenizer(vocab=wordpiece),
        # distilbert-base-uncased uses bert-base-uncased's vocabulary.
        "distilbert": DistilBertTokenizer(vocab=wordpiece),
        "roberta": RobertaTokenizer(vocab=pad_vocab(byte_vocab, VOCAB["roberta"], "<unused{}>"), merges=byte_merges),
        "clip-vit-b32": clip_tok,
    }
    for name, tok in toks.items():
        if name != "clip-vit-b32":
            tok.model_max_length = MAX_TOKENS
        expected = VOCAB["clip" if name.startswith("clip") else "roberta" if name == "roberta" else "bert"]
        if len(tok) != expected:
            raise SystemExit(f"{name}: tokenizer has {len(tok)} entries, expected {expected}")
    return toks


# ----------------------------------------------------------------------------------------------
# Standard configs (values of the hub's config.json files; random initialisation by transformers)
# ----------------------------------------------------------------------------------------------
def bert_config(tok: PreTrainedTokenizerBase) -> BertConfig:
    return BertConfig(
        vocab_size=VOCAB["bert"],
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=512,
        type_vocab_size=2,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        pad_token_id=tok.pad_token_id,
    )


def distilbert_config(tok: PreTrainedTokenizerBase) -> DistilBertConfig:
    return DistilBertConfig(
        vocab_size=VOCAB["bert"],
        dim=768,
        n_layers=6,
        n_heads=12,
        hidden_dim=3072,
        activation="gelu",
        dropout=0.1,
        attention_dropout=0.1,
        max_position_embeddings=512,
        sinusoidal_pos_embds=False,
        initializer_range=0.02,
        pad_token_id=tok.pad_token_id,
    )


def roberta_config(tok: PreTrainedTokenizerBase) -> RobertaConfig:
    return RobertaConfig(
        vocab_size=VOCAB["roberta"],
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=514,
        type_vocab_size=1,
        initializer_range=0.02,
        layer_norm_eps=1e-5,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )


def clip_config(tok: PreTrainedTokenizerBase) -> CLIPConfig:
    bos = tok.convert_tokens_to_ids("<|startoftext|>")
    eos = tok.convert_tokens_to_ids("<|endoftext|>")
    return CLIPConfig(
        text_config={
            "vocab_size": VOCAB["clip"],
            "hidden_size": 512,
            "intermediate_size": 2048,
            "num_hidden_layers": 12,
            "num_attention_heads": 8,
            "max_position_embeddings": 77,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": 512,
            "bos_token_id": bos,
            "eos_token_id": eos,
            "pad_token_id": 1,
        },
        vision_config={
            "hidden_size": 768,
            "intermediate_size": 3072,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "image_size": 224,
            "patch_size": 32,
            "num_channels": 3,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": 512,
        },
        projection_dim=512,
        logit_scale_init_value=2.6592,
    )


BUILDERS: dict[str, tuple[Callable[[PreTrainedTokenizerBase], transformers.PretrainedConfig], type[torch.nn.Module]]] = {
    "bert-base": (bert_config, BertModel),
    "distilbert": (distilbert_config, DistilBertModel),
    "roberta": (roberta_config, RobertaModel),
    "clip-vit-b32": (clip_config, CLIPModel),
}


def build_model(name: str, tok: PreTrainedTokenizerBase, hf_dir: Path, seed: int) -> dict:
    """Seeded random model from its standard config, saved as an ordinary Hugging Face folder."""
    make_config, model_class = BUILDERS[name]
    config = make_config(tok)
    setattr(config, RANDOM_MARK, True)
    torch.manual_seed(seed)
    model = model_class(config).eval()
    hf_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(hf_dir)
    tok.save_pretrained(hf_dir)
    if name == "clip-vit-b32":
        # openai/clip-vit-base-patch32's preprocessing: shortest edge 224 (bicubic), centre crop 224, CLIP mean / std.
        CLIPImageProcessorPil(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224}).save_pretrained(hf_dir)
    return {"parameters": sum(p.numel() for p in model.parameters()), "config": config.to_diff_dict()}


def mark_random(folder: Path) -> None:
    """The exporter rewrites config.json from the model; keep the random-weights mark in it."""
    path = folder / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config[RANDOM_MARK] = True
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def export(name: str, hf_dir: Path, onnx_dir: Path) -> list[str]:
    if name == "clip-vit-b32":
        export_clip(hf_dir, onnx_dir)
    else:
        export_text_encoder(hf_dir, onnx_dir, MAX_TOKENS)
    mark_random(onnx_dir)
    quantize_folder(onnx_dir)
    return sorted(str(p.relative_to(onnx_dir)) for p in onnx_dir.rglob("*") if p.is_file())


# ----------------------------------------------------------------------------------------------
# Prompt set with AGIQA-3K's token lengths
# ----------------------------------------------------------------------------------------------
PROMPT_COUNT = 300  # AGIQA-3K's 2,982 images come from 300 prompts.
LENGTH_MEDIAN = 12
LENGTH_MAX = 24
LENGTH_MIN = 5
# Spread of log(length): AGIQA-3K's published summary gives the median and the maximum only; a
# log-normal with this spread puts ~10 % of prompts at 8 tokens or fewer and ~10 % at 18 or more.
LENGTH_SIGMA = 0.3


def target_lengths(count: int = PROMPT_COUNT) -> list[int]:
    """Token counts (specials included) at evenly spaced quantiles of the log-normal; the longest is LENGTH_MAX."""
    normal = NormalDist()
    lengths = [
        min(LENGTH_MAX, max(LENGTH_MIN, round(LENGTH_MEDIAN * math.exp(LENGTH_SIGMA * normal.inv_cdf((i + 0.5) / count)))))
        for i in range(count)
    ]
    lengths[-1] = LENGTH_MAX
    return lengths


STYLE_PHRASES = [
    "oil painting", "digital art", "highly detailed", "trending on artstation", "studio lighting", "cinematic",
    "watercolor", "anime style", "concept art", "sharp focus", "8k", "photorealistic", "unreal engine",
    "baroque style", "pixel art", "pencil sketch", "soft lighting", "depth of field", "low poly", "vintage photo",
]


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def prompt_of_length(tok: PreTrainedTokenizerBase, length: int, rng: random.Random) -> str:
    """A generic image prompt ("a cute fox on a wooden table, oil painting, …") of exactly `length` tokens."""

    def count(text: str) -> int:
        return len(tok(text)["input_ids"])

    def thing() -> str:
        adjective, subject = rng.choice(ADJECTIVES), rng.choice(SUBJECTS)
        return f"{article(adjective)} {adjective} {subject}" if rng.random() < 0.6 else f"{article(subject)} {subject}"

    pieces: list[Callable[[], str]] = [
        lambda: f" {rng.choice(['on', 'in', 'under', 'near', 'beside'])} a {rng.choice(COLOURS)} {rng.choice(BACKGROUNDS)}",
        lambda: f", {rng.choice(STYLE_PHRASES)}",
        lambda: f" {rng.choice(['holding', 'next to', 'with', 'and', 'behind'])} {thing()}",
        lambda: f", {rng.choice(STYLES)}",
    ]
    for _ in range(1000):
        text = thing() if count("a " + rng.choice(SUBJECTS)) < length else rng.choice(SUBJECTS)
        for _ in range(40):
            if count(text) == length:
                return text
            candidate = text + rng.choice(pieces)()
            if count(candidate) <= length:
                text = candidate
    raise SystemExit(f"could not build a prompt of {length} tokens")


def make_prompts(toks: dict[str, PreTrainedTokenizerBase], out: Path) -> dict:
    rng = random.Random(SEED)
    bert = toks["bert-base"]
    texts: list[str] = []
    for length in target_lengths():
        text = prompt_of_length(bert, length, rng)
        while text in texts:
            text = prompt_of_length(bert, length, rng)
        texts.append(text)
    rng.shuffle(texts)
    lengths = {name: [len(tok(t)["input_ids"]) for t in texts] for name, tok in toks.items()}
    summary = {
        name: {"median": statistics.median(v), "mean": round(statistics.fmean(v), 2), "min": min(v), "max": max(v)} for name, v in lengths.items()
    }
    if summary["bert-base"]["median"] != LENGTH_MEDIAN or summary["bert-base"]["max"] != LENGTH_MAX:
        raise SystemExit(f"prompt set misses its target: {summary['bert-base']}")
    data = {
        "generator": "tools/make_real_encoders.py",
        "description": (
            f"{PROMPT_COUNT} generic image prompts whose token counts with the bert-base tokenizer built by "
            f"tools/make_real_encoders.py ([CLS] and [SEP] included) follow AGIQA-3K's: median {LENGTH_MEDIAN}, "
            f"maximum {LENGTH_MAX} (log-normal spread {LENGTH_SIGMA}, minimum {LENGTH_MIN})"
        ),
        "seed": SEED,
        "tokens": summary,
        "prompts": [{"text": t, "tokens": {name: lengths[name][i] for name in toks}} for i, t in enumerate(texts)],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def versions() -> dict:
    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"models folder (default {DEFAULT_OUT})")
    parser.add_argument("--only", default=",".join(MODEL_IDS), help="comma-separated names (default: all four)")
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS, help="prompt set file to write")
    parser.add_argument("--prompts-only", action="store_true", help="write the prompt set, build no model")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODEL_IDS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}: valid names are {', '.join(MODEL_IDS)}")

    toks = build_tokenizers(corpus(random.Random(SEED)))
    summary = make_prompts(toks, args.prompts.resolve())
    print(f"wrote {args.prompts} (tokens: {json.dumps(summary)})")
    if args.prompts_only:
        return

    out: Path = args.out.resolve()
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": {}}
    manifest.update({"generator": "tools/make_real_encoders.py", "seed": SEED, "versions": versions(), "modelsDir": str(out / "onnx")})
    for index, name in enumerate(MODEL_IDS):
        if name not in names:
            continue
        hf_dir = out / "hf" / name
        onnx_dir = out / "onnx" / MODEL_IDS[name]
        built = build_model(name, toks[name], hf_dir, SEED + index)
        files = export(name, hf_dir, onnx_dir)
        manifest["models"][name] = {
            "hf": str(hf_dir),
            "onnx": str(onnx_dir),
            "modelId": MODEL_IDS[name],
            "parameters": built["parameters"],
            "vocabSize": len(toks[name]),
            "onnxFiles": {f: (onnx_dir / f).stat().st_size for f in files if f.endswith(".onnx")},
            "randomWeights": True,
        }
        out.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        print(f"{name}: {built['parameters'] / 1e6:.1f} M parameters -> {hf_dir} and {onnx_dir}", flush=True)
    print(f"AGIQA_MODELS_DIR={out / 'onnx'}")


if __name__ == "__main__":
    main()
