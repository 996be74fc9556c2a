"""Writes small MAT-files with SciPy (an independent writer) for the @agiqa/data .mat reader tests.

Run from the repository root:  tools/.venv/bin/python tools/make_mat_fixtures.py
Outputs (committed) under libs/data/fixtures/mat/:
  scipy_plain.mat       MOSz (48x1 double), SD (48x1 double), counts (2x3 int32), label (char)
  scipy_compressed.mat  the same, do_compression=True (miCOMPRESSED elements)
  scipy_values.json     the values written, so the TS test compares against what SciPy was given
The values are a fixed arithmetic sequence (no RNG), so re-running reproduces identical numbers.
"""
import json
from pathlib import Path

import numpy as np
import scipy
import scipy.io

OUT = Path(__file__).resolve().parent.parent / "libs" / "data" / "fixtures" / "mat"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    n = 48  # 6 generators x 2 prompts x 4 images: the smallest AIGCIQA2023-shaped matrix
    mosz = np.array([[20.0 + 1.25 * i + 0.001 * (i % 7)] for i in range(n)], dtype=np.float64)
    sd = np.array([[5.0 + 0.1 * i] for i in range(n)], dtype=np.float64)
    counts = np.array([[1, 2, 3], [4, 5, -6]], dtype=np.int32)
    variables = {"MOSz": mosz, "SD": sd, "counts": counts, "label": "quality"}
    for name, compress in (("scipy_plain.mat", False), ("scipy_compressed.mat", True)):
        scipy.io.savemat(OUT / name, variables, do_compression=compress, format="5", oned_as="column")
    values = {
        "scipy": scipy.__version__,
        "MOSz": mosz[:, 0].tolist(),
        "SD": sd[:, 0].tolist(),
        "counts": {"dims": list(counts.shape), "columnMajor": counts.flatten(order="F").tolist()},
    }
    (OUT / "scipy_values.json").write_text(json.dumps(values, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
