#!/usr/bin/env python3
"""SciPy reference values for libs/model metrics and statistics.

Writes libs/model/fixtures/metrics/scipy-reference.json: input vectors (with ties) and what SciPy
computes for them. The TypeScript tests (libs/model/src/metrics/*.spec.ts, src/stats/*.spec.ts)
assert agreement; CI never runs this script.

    tools/.venv/bin/python tools/scipy_metrics_reference.py

Definitions matched (also: scipy.stats.wilcoxon with its defaults, method='auto'; Holm's step-down
adjustment as statsmodels.stats.multitest.multipletests(method='holm'); statsmodels is needed
only for that, `pip install statsmodels`):
  srcc          scipy.stats.spearmanr (average ranks for ties)
  plcc          scipy.stats.pearsonr
  krcc          scipy.stats.kendalltau (variant 'b')
  rmse          sqrt(mean((pred - mos)^2)), raw predictions
  plcc_logistic scipy.optimize.curve_fit of the VQEG 4-parameter logistic
                beta2 + (beta1 - beta2) / (1 + exp(-(x - beta3) / |beta4|)) from IQA-PyTorch's
                initial values [max(mos), min(mos), mean(pred), std(pred) / 4], then pearsonr of
                the mapped predictions with mos. Reported twice: with curve_fit's default
                tolerances (what peers run, maxfev=10000) and with tight tolerances (the converged
                optimum, which is what the TypeScript fit iterates to).
"""
from __future__ import annotations

import json
import pathlib
import platform

import numpy as np
import scipy
from scipy import optimize, special, stats

OUT = pathlib.Path(__file__).resolve().parent.parent / 'libs/model/fixtures/metrics/scipy-reference.json'


def logistic4(x, b1, b2, b3, b4):
    return b2 + (b1 - b2) / (1 + np.exp(-(x - b3) / np.abs(b4)))


def logistic_fit(pred, mos, tight: bool):
    p0 = [np.max(mos), np.min(mos), np.mean(pred), np.std(pred) / 4]
    kwargs = dict(maxfev=100000, ftol=1e-15, xtol=1e-15, gtol=1e-15) if tight else dict(maxfev=10000)
    params, _ = optimize.curve_fit(logistic4, pred, mos, p0=p0, **kwargs)
    mapped = logistic4(pred, *params)
    return {
        'p0': [float(v) for v in p0],
        'params': [float(v) for v in params],
        'sse': float(np.sum((mos - mapped) ** 2)),
        'plcc': float(stats.pearsonr(mapped, mos)[0]),
    }


def metric_case(name: str, pred: np.ndarray, mos: np.ndarray) -> dict:
    pred = np.asarray(pred, dtype=np.float64)
    mos = np.asarray(mos, dtype=np.float64)
    assert len(np.unique(pred)) < len(pred) and len(np.unique(mos)) < len(mos), f'{name}: must contain ties'
    return {
        'name': name,
        'pred': pred.tolist(),
        'mos': mos.tolist(),
        'srcc': float(stats.spearmanr(pred, mos)[0]),
        'plcc': float(stats.pearsonr(pred, mos)[0]),
        'krcc': float(stats.kendalltau(pred, mos, variant='b')[0]),
        'rmse': float(np.sqrt(np.mean((pred - mos) ** 2))),
        'logistic_default': logistic_fit(pred, mos, tight=False),
        'logistic_tight': logistic_fit(pred, mos, tight=True),
    }


def metric_cases() -> list[dict]:
    rng = np.random.default_rng(20250101)
    cases = []
    cases.append(metric_case(
        'small-heavy-ties',
        [0.1, 0.4, 0.4, 0.2, 0.9, 0.4, 0.7, 0.7, 0.3, 0.8, 0.1, 0.6],
        [1, 3, 2, 2, 5, 3, 4, 4, 2, 5, 1, 3],
    ))
    # Integer MOS (a 1-5 rating scale), predictions on another scale rounded to one decimal.
    latent = rng.normal(size=40)
    mos = np.clip(np.round(3 + latent + 0.5 * rng.normal(size=40)), 1, 5)
    pred = np.round(10 * latent + 50, 1)
    pred[5] = pred[6]
    cases.append(metric_case('integer-mos', pred, mos))
    # AGIQA-3K-like: MOS on 0-5 in steps of 0.05, a sigmoidal relation to the prediction.
    latent = rng.normal(size=300)
    mos = np.round(np.clip(2.5 + 1.2 * np.tanh(latent) + 0.3 * rng.normal(size=300), 0, 5) / 0.05) * 0.05
    pred = np.round(latent + 0.2 * rng.normal(size=300), 2)
    cases.append(metric_case('agiqa-like-sigmoidal', pred, mos))
    # Negative relation (a distortion score), with ties on both sides.
    latent = rng.normal(size=60)
    mos = np.round(60 - 12 * latent + 5 * rng.normal(size=60))
    pred = np.round(latent, 1)
    cases.append(metric_case('negative-relation', pred, mos))
    # A test split the size of AGIQA-3K's 20% (597 items), MOS in steps of 0.1.
    latent = rng.normal(size=597)
    mos = np.round(np.clip(2.5 + latent + 0.6 * rng.normal(size=597), 0, 5), 1)
    pred = np.round(2.4 + 0.8 * latent + 0.4 * rng.normal(size=597), 3)
    cases.append(metric_case('test-split-597', pred, mos))
    return cases


def ttest_cases() -> list[dict]:
    rng = np.random.default_rng(7)
    out = []
    for name, n, shift in [('repeats-5', 5, 0.01), ('repeats-10', 10, 0.004), ('repeats-30-null', 30, 0.0)]:
        a = np.round(0.85 + 0.01 * rng.normal(size=n), 4)
        b = np.round(a - shift + 0.006 * rng.normal(size=n), 4)
        res = stats.ttest_rel(a, b)
        out.append({'name': name, 'a': a.tolist(), 'b': b.tolist(), 't': float(res.statistic),
                    'df': int(n - 1), 'p': float(res.pvalue), 'meanDiff': float(np.mean(a - b))})
    return out


def wilcoxon_cases() -> list[dict]:
    """scipy.stats.wilcoxon(a, b) with its defaults (zero_method='wilcox', correction=False,
    method='auto'): exact for n <= 50 without ties or zeros, an exhaustive permutation test for
    n <= 13 with them, the normal approximation (tie-corrected) otherwise."""
    rng = np.random.default_rng(19)
    out = []

    def case(name, a, b):
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        res = stats.wilcoxon(a, b)
        out.append({'name': name, 'a': a.tolist(), 'b': b.tolist(),
                    'statistic': float(res.statistic), 'p': float(res.pvalue)})

    a = 0.85 + 0.01 * rng.normal(size=5)
    case('seeds-5-exact', a, a - 0.004 + 0.003 * rng.normal(size=5))
    case('seeds-3-all-lower', [0.86, 0.87, 0.85], [0.84, 0.83, 0.845])
    a = 0.85 + 0.01 * rng.normal(size=12)
    case('repeats-12-exact', a, a - 0.002 + 0.004 * rng.normal(size=12))
    a = np.round(0.85 + 0.01 * rng.normal(size=9), 3)
    case('seeds-9-ties-permutation', a, np.round(a - 0.003 + 0.003 * rng.normal(size=9), 3))
    case('with-zero-difference', [0.80, 0.82, 0.85, 0.81, 0.83, 0.84], [0.80, 0.81, 0.83, 0.82, 0.80, 0.81])
    a = np.round(0.85 + 0.01 * rng.normal(size=20), 3)
    case('repeats-20-ties-asymptotic', a, np.round(a - 0.002 + 0.003 * rng.normal(size=20), 3))
    a = 0.85 + 0.01 * rng.normal(size=60)
    case('repeats-60-asymptotic', a, a - 0.001 + 0.004 * rng.normal(size=60))
    a = 0.85 + 0.01 * rng.normal(size=40)
    case('repeats-40-exact-null', a, a + 0.004 * rng.normal(size=40))
    return out


def holm_cases() -> list[dict]:
    """Holm's step-down adjusted p-values (statsmodels multipletests, method='holm')."""
    from statsmodels.stats.multitest import multipletests
    out = []
    for name, p in [
        ('three', [0.01, 0.04, 0.03]),
        ('ties-and-cap', [0.02, 0.02, 0.5, 0.9, 0.001]),
        ('one', [0.2]),
        ('monotone-enforced', [0.001, 0.013, 0.012, 0.04, 0.3, 0.0125]),
    ]:
        out.append({'name': name, 'p': p, 'adjusted': [float(v) for v in multipletests(p, method='holm')[1]]})
    return out


def distribution_points() -> dict:
    xs = [-8.0, -5.0, -3.0, -1.96, -1.0, -0.3, 0.0, 0.5, 1.0, 1.6448536269514722, 2.5, 4.0, 6.0]
    ts = [(-4.0, 3), (-2.0, 4), (-0.5, 9), (0.0, 5), (1.0, 1), (2.262, 9), (3.5, 29), (10.0, 2), (1.5, 200)]
    betas = [(0.1, 0.5, 0.5), (0.3, 2.0, 3.0), (0.5, 10.0, 0.5), (0.9, 1.5, 4.5), (0.999, 50.0, 0.5), (0.02, 0.5, 30.0)]
    return {
        'normal_cdf': [{'x': x, 'cdf': float(stats.norm.cdf(x))} for x in xs],
        'student_t_cdf': [{'t': t, 'df': df, 'cdf': float(stats.t.cdf(t, df))} for t, df in ts],
        'regularized_beta': [{'x': x, 'a': a, 'b': b, 'value': float(special.betainc(a, b, x))} for x, a, b in betas],
        'log_gamma': [{'x': x, 'value': float(special.gammaln(x))} for x in [0.1, 0.5, 1.0, 2.5, 10.0, 100.5, 1000.0]],
    }


def fisher_cases() -> list[dict]:
    """Our formula evaluated in NumPy/SciPy, next to two published worked examples."""
    def fisher(r1, n1, r2, n2):
        z = (np.arctanh(r1) - np.arctanh(r2)) / np.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))
        return float(z), float(2 * stats.norm.sf(abs(z)))
    out = []
    for r1, n1, r2, n2 in [(0.8747, 597, 0.8813, 597), (0.84, 63, 0.75, 42), (0.86, 42, 0.62, 42), (0.5, 100, 0.2, 200)]:
        z, p = fisher(r1, n1, r2, n2)
        out.append({'r1': r1, 'n1': n1, 'r2': r2, 'n2': n2, 'z': z, 'p': p})
    return out


def steiger_monte_carlo() -> dict:
    """Validates Steiger's Z empirically: under H0 (rho12 = rho13) it should be ~N(0, 1)."""
    rng = np.random.default_rng(11)
    rho12 = rho13 = 0.8
    rho23 = 0.9
    n, reps = 200, 20000
    cov = np.array([[1, rho12, rho13], [rho12, 1, rho23], [rho13, rho23, 1]])
    chol = np.linalg.cholesky(cov)
    data = rng.standard_normal((reps, n, 3)) @ chol.T
    data -= data.mean(axis=1, keepdims=True)
    norms = np.sqrt((data ** 2).sum(axis=1))
    def corr(i, j):
        return (data[:, :, i] * data[:, :, j]).sum(axis=1) / (norms[:, i] * norms[:, j])
    r12, r13, r23 = corr(0, 1), corr(0, 2), corr(1, 2)
    rbar = (r12 + r13) / 2
    c = (r23 * (1 - 2 * rbar ** 2) - 0.5 * rbar ** 2 * (1 - 2 * rbar ** 2 - r23 ** 2)) / (1 - rbar ** 2) ** 2
    z = (np.arctanh(r12) - np.arctanh(r13)) * np.sqrt(n - 3) / np.sqrt(2 - 2 * c)
    naive = (np.arctanh(r12) - np.arctanh(r13)) / np.sqrt(2 / (n - 3))
    return {
        'rho12': rho12, 'rho13': rho13, 'rho23': rho23, 'n': n, 'reps': reps,
        'steiger_z_sd': float(z.std()), 'steiger_reject_rate_05': float(np.mean(np.abs(z) > 1.959964)),
        'independent_fisher_z_sd': float(naive.std()),
        'example': {'r12': float(r12[0]), 'r13': float(r13[0]), 'r23': float(r23[0]), 'n': n, 'z': float(z[0]),
                    'p': float(2 * stats.norm.sf(abs(z[0])))},
    }


def main() -> None:
    doc = {
        'generator': 'tools/scipy_metrics_reference.py',
        'versions': {'python': platform.python_version(), 'numpy': np.__version__, 'scipy': scipy.__version__},
        'metrics': metric_cases(),
        'ttest_rel': ttest_cases(),
        'wilcoxon': wilcoxon_cases(),
        'holm': holm_cases(),
        'distributions': distribution_points(),
        'fisher': fisher_cases(),
        'steiger_monte_carlo': steiger_monte_carlo(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + '\n')
    for case in doc['metrics']:
        d, t = case['logistic_default'], case['logistic_tight']
        print(f"{case['name']:24s} n={len(case['pred']):4d} srcc={case['srcc']:.6f} krcc={case['krcc']:.6f} "
              f"plcc_log default={d['plcc']:.10f} tight={t['plcc']:.10f} |diff|={abs(d['plcc'] - t['plcc']):.2e}")
    mc = doc['steiger_monte_carlo']
    print(f"steiger MC: sd={mc['steiger_z_sd']:.4f} reject@.05={mc['steiger_reject_rate_05']:.4f} "
          f"(independent-sample Fisher z sd={mc['independent_fisher_z_sd']:.4f})")
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
