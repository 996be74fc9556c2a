/**
 * The paper's reported figures, copied verbatim from shared/reference/paper-results.json so that
 * no app reads outside the repository at runtime. reference.spec.ts checks the copy still matches.
 */
export const PAPER_RESULTS = {
    "source": "Nath & Chouhan, 'Multimodal Quality Assessment of AI-Generated Images using BERT-CLIP Feature Fusion' (2025). Figures as reported by the paper; the project reproduces them and shows them beside its own results.",
    "notes": [
      "All figures are visual-quality MOS correlations (SRCC, PLCC) on the test split.",
      "Table 1 RoBERTa concatenation / cosine-similarity cells: the extracted table is garbled; the four values 0.8591, 0.8796, 0.8521, 0.8640 belong to those two cells and the assignment below is the most plausible one (PLCC > SRCC in every other cell). Show them flagged as 'assignment uncertain'.",
      "PKU-I2IQA: the paper's text says SRCC 0.7149 / PLCC 0.7268 while its Table 2 says 0.7349 / 0.7868. Show the Table 2 figures and flag the conflict.",
      "Splits: AGIQA-3K 80:20; AIGCIQA2023 and PKU-I2IQA 75:25 (train:test). Peer repositories use 80:20 on AIGCIQA2023 as well.",
      "Training: Adam, learning rate 1e-4, 100 epochs. Vision encoder CLIP ViT-B/32; text encoder BERT-base (12 layers, hidden 768, 12 heads)."
    ],
    "table1_ablation_agiqa3k": {
      "caption": "Ablation of fusion mechanism x text encoder on AGIQA-3K",
      "rows": {
        "distilbert": {
          "concat": { "srcc": 0.8429, "plcc": 0.8690 },
          "cosine": { "srcc": 0.8318, "plcc": 0.8461 },
          "cross_attention": { "srcc": 0.8649, "plcc": 0.8906 }
        },
        "roberta": {
          "concat": { "srcc": 0.8591, "plcc": 0.8796, "uncertain": true },
          "cosine": { "srcc": 0.8521, "plcc": 0.8640, "uncertain": true },
          "cross_attention": { "srcc": 0.8783, "plcc": 0.9072 }
        },
        "bert_base": {
          "concat": { "srcc": 0.8579, "plcc": 0.8893 },
          "cosine": { "srcc": 0.8648, "plcc": 0.8755 },
          "cross_attention": { "srcc": 0.8823, "plcc": 0.9173 }
        }
      }
    },
    "table2_methods_by_dataset": {
      "caption": "SRCC / PLCC of IQA methods on three AGI datasets; groups: traditional, deep-learning, CLIP-based",
      "columns": ["agiqa3k", "aigciqa2023", "pku_i2iqa"],
      "rows": [
        { "method": "BRISQUE", "group": "traditional", "agiqa3k": [0.4984, 0.5496], "aigciqa2023": [0.6289, 0.5839], "pku_i2iqa": [0.4638, 0.5281] },
        { "method": "NIQE", "group": "traditional", "agiqa3k": [0.5181, 0.5308], "aigciqa2023": [0.4971, 0.4516], "pku_i2iqa": [0.4189, 0.4319] },
        { "method": "ILNIQE", "group": "traditional", "agiqa3k": [0.6018, 0.6194], "aigciqa2023": [0.5613, 0.5078], "pku_i2iqa": [0.4585, 0.4869] },
        { "method": "DB-CNN", "group": "deep", "agiqa3k": [0.8391, 0.8814], "aigciqa2023": [0.8296, 0.8520], "pku_i2iqa": [0.6027, 0.6139] },
        { "method": "HyperIQA", "group": "deep", "agiqa3k": [0.8427, 0.8993], "aigciqa2023": [0.8491, 0.8736], "pku_i2iqa": [0.6813, 0.6983] },
        { "method": "CNNIQA", "group": "deep", "agiqa3k": [0.7578, 0.8149], "aigciqa2023": [0.7618, 0.8065], "pku_i2iqa": [0.5896, 0.6037] },
        { "method": "Re-IQA", "group": "deep", "agiqa3k": [0.8207, 0.8810], "aigciqa2023": [0.8166, 0.8347], "pku_i2iqa": [0.6094, 0.6209] },
        { "method": "AMFF-NET", "group": "deep", "agiqa3k": [0.8537, 0.9070], "aigciqa2023": [0.8419, 0.8537], "pku_i2iqa": [0.7093, 0.7718] },
        { "method": "StairIQA", "group": "deep", "agiqa3k": [0.8215, 0.8894], "aigciqa2023": [0.8136, 0.8501], "pku_i2iqa": [0.5955, 0.6071] },
        { "method": "LIQE", "group": "deep", "agiqa3k": [0.8671, 0.8975], "aigciqa2023": [0.8481, 0.8530], "pku_i2iqa": [0.6983, 0.7385] },
        { "method": "ResNet50", "group": "deep", "agiqa3k": [0.8361, 0.8794], "aigciqa2023": [0.8273, 0.8495], "pku_i2iqa": [0.6219, 0.6382] },
        { "method": "MUSIQ", "group": "deep", "agiqa3k": [0.8356, 0.8829], "aigciqa2023": [0.8423, 0.8602], "pku_i2iqa": [0.6408, 0.6410] },
        { "method": "TReS", "group": "deep", "agiqa3k": [0.8367, 0.8973], "aigciqa2023": [0.8436, 0.8637], "pku_i2iqa": [0.6374, 0.6427] },
        { "method": "CLIPIQA", "group": "clip", "agiqa3k": [0.6846, 0.6987], "aigciqa2023": [0.4171, 0.3970], "pku_i2iqa": [0.6581, 0.6562] },
        { "method": "CLIP-AGIQA", "group": "clip", "agiqa3k": [0.8747, 0.9190], "aigciqa2023": [0.8324, 0.8604], "pku_i2iqa": [0.6515, 0.6871] },
        { "method": "CLIP-BERT-AGIQA", "group": "clip", "proposed": true, "agiqa3k": [0.8813, 0.9153], "aigciqa2023": [0.8397, 0.8641], "pku_i2iqa": [0.7349, 0.7868], "pku_i2iqa_text_says": [0.7149, 0.7268] }
      ]
    },
    "table3_agiqa3k_agi_methods": {
      "caption": "AGI-specific methods on AGIQA-3K",
      "rows": [
        { "method": "PSCR", "srcc": 0.8394, "plcc": 0.8859 },
        { "method": "CLIP-AGIQA", "srcc": 0.8747, "plcc": 0.9190 },
        { "method": "CLIP-BERT-AGIQA", "proposed": true, "srcc": 0.8813, "plcc": 0.9153 }
      ]
    },
    "timing_ms_per_image": {
      "caption": "Approximate inference time for one input image with the cross-attention model, by text encoder (hardware: an Nvidia DGX server; batch size not stated)",
      "bert_base": 217,
      "distilbert": 152,
      "roberta": 196
    },
    "generalization_unseen_generators": {
      "caption": "Trained model tested on 200 AGIs from unseen text-to-image models (DALL-E 2 and Dreame)",
      "srcc": 0.8601,
      "plcc": 0.8893
    },
    "significance": {
      "caption": "Fisher z-transformation test of the SRCC gain over CLIP-AGIQA on AGIQA-3K",
      "srcc_from": 0.8747,
      "srcc_to": 0.8813,
      "z": 1.83,
      "p": 0.06,
      "ci95": [0.874, 0.890]
    }
  } as const;

export type PaperResults = typeof PAPER_RESULTS;
