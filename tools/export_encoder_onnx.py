"""Export a real encoder checkpoint for offline use by @agiqa/model.

Run on a machine that has the PyTorch weights (a local checkpoint folder, or hub access):

  python tools/export_encoder_onnx.py google-bert/bert-base-uncased       "$AGIQA_MODELS_DIR/Xenova/bert-base-uncased"
  python tools/export_encoder_onnx.py distilbert/distilbert-base-uncased  "$AGIQA_MODELS_DIR/Xenova/distilbert-base-uncased"
  python tools/export_encoder_onnx.py FacebookAI/roberta-base             "$AGIQA_MODELS_DIR/Xenova/roberta-base"
  python tools/export_encoder_onnx.py openai/clip-vit-base-patch32        "$AGIQA_MODELS_DIR/Xenova/clip-vit-base-patch32"

Writing under the registry's model id makes the default names (bert-base, distilbert, roberta,
clip-vit-b32) resolve to the exported folder; any other folder works through a per-run override
(`modelOverrides: { "bert-base": "/abs/folder" }`). See libs/model/README.md (Encoders).

Add --q8 for the int8 dynamically quantised copies a grid with `features: { dtype: "q8" }` loads.

Needs torch, transformers 5, onnx, onnxruntime, pillow. The layout and the checks are described in
tools/encoder_export.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from encoder_export import export_encoder, quantize_folder


def main() -> None:
    parser = argparse.ArgumentParser(description="Export a BERT / DistilBERT / RoBERTa / CLIP checkpoint to ONNX for @agiqa/model.")
    parser.add_argument("source", help="hub id or local checkpoint folder (PyTorch / safetensors weights)")
    parser.add_argument("out", type=Path, help="output folder (replaced)")
    parser.add_argument("--max-tokens", type=int, default=512, help="tokenizer model_max_length for text encoders (default 512)")
    parser.add_argument("--q8", action="store_true", help="also write the int8 dynamically quantised graphs (*_quantized.onnx, grid features.dtype q8)")
    args = parser.parse_args()
    family = export_encoder(args.source, args.out.resolve(), args.max_tokens)
    print(f"exported {args.source} ({family}) to {args.out.resolve()}")
    if args.q8:
        for path in quantize_folder(args.out.resolve()):
            print(f"quantised {path}")


if __name__ == "__main__":
    main()
