import { AgiqaError } from '@agiqa/contracts';
import { pearsonUnchecked } from './correlation.js';
import { assertNotConstant, pairedVectors, type NumericVector } from './input.js';

/** Four parameters need more than four points, or the fit interpolates and PLCC is trivially 1. */
export const MIN_LOGISTIC_PAIRS = 5;

/** Parameters of the VQEG 4-parameter logistic `β2 + (β1 − β2) / (1 + exp(−(x − β3) / |β4|))`. */
export type LogisticParams = [beta1: number, beta2: number, beta3: number, beta4: number];

export interface LogisticFit {
  params: LogisticParams;
  /** Sum of squared residuals at `params`. */
  sse: number;
  iterations: number;
  /** `pred` mapped through the fitted curve. */
  mapped: Float64Array;
}

/**
 * The VQEG 4-parameter logistic. σ is evaluated in its overflow-free form so that a steep curve
 * (small |β4|) never produces `Infinity / Infinity`.
 */
export function logistic4(x: number, [b1, b2, b3, b4]: LogisticParams): number {
  return b2 + (b1 - b2) * sigmoid((x - b3) / Math.abs(b4));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const t = Math.exp(z);
  return t / (1 + t);
}

/**
 * Initial values of IQA-PyTorch (`pyiqa.metrics.correlation_coefficient.fit_curve`):
 * β1 = max(mos), β2 = min(mos), β3 = mean(pred), β4 = std(pred) / 4 (population std). They put
 * the curve's range on the MOS range and its slope on the predictions' scale, so the fit does not
 * depend on the units of either.
 */
export function logisticInitialParams(x: Float64Array, y: Float64Array): LogisticParams {
  let ymax = -Infinity;
  let ymin = Infinity;
  let mean = 0;
  for (let i = 0; i < y.length; i++) {
    ymax = Math.max(ymax, y[i]);
    ymin = Math.min(ymin, y[i]);
    mean += x[i];
  }
  mean /= x.length;
  let variance = 0;
  for (let i = 0; i < x.length; i++) variance += (x[i] - mean) ** 2;
  return [ymax, ymin, mean, Math.sqrt(variance / x.length) / 4];
}

/**
 * Least-squares fit of `logistic4` to (pred, mos) by Levenberg–Marquardt with Marquardt's
 * diagonal scaling and the analytic Jacobian, from `logisticInitialParams` (SciPy's `curve_fit`,
 * MINPACK `lmdif`, reaches the same minimum from the same start; it differs only in its
 * finite-difference Jacobian and stopping rule). λ follows Nielsen's gain-ratio update. Iterates
 * until the relative SSE decrease is below 1e-15 and the relative step below 1e-12, so the result
 * is the converged optimum rather than one tolerance-dependent point near it. When the data follow
 * the exponential tail of the curve there is no finite minimiser (β1 → ±∞); the fit then stops
 * after 2000 iterations along that valley, where PLCC has converged to ~1e-7.
 */
export function fitLogistic(pred: NumericVector, mos: NumericVector): LogisticFit {
  const [x, y] = pairedVectors(pred, mos, MIN_LOGISTIC_PAIRS);
  assertNotConstant(x, 'pred');
  assertNotConstant(y, 'mos');
  const n = x.length;
  let params = logisticInitialParams(x, y);
  let sse = sumSquares(x, y, params);
  let lambda = 1e-3;
  let nu = 2;
  let iterations = 0;
  const jtj = new Float64Array(16);
  const jtr = new Float64Array(4);
  const row = new Float64Array(4);

  for (; iterations < 2000; iterations++) {
    jtj.fill(0);
    jtr.fill(0);
    const [b1, b2, b3, b4] = params;
    const s = Math.abs(b4);
    const sign = b4 < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) {
      const z = (x[i] - b3) / s;
      const g = sigmoid(z);
      const gp = g * (1 - g); // dσ/dz
      row[0] = g; // ∂f/∂β1
      row[1] = 1 - g; // ∂f/∂β2
      row[2] = (-(b1 - b2) * gp) / s; // ∂f/∂β3
      row[3] = ((-(b1 - b2) * gp * z) / s) * sign; // ∂f/∂β4 through |β4|
      const r = y[i] - (b2 + (b1 - b2) * g);
      for (let a = 0; a < 4; a++) {
        jtr[a] += row[a] * r;
        for (let b = 0; b < 4; b++) jtj[a * 4 + b] += row[a] * row[b];
      }
    }
    let accepted = false;
    let converged = false;
    // Raise λ until a step lowers the SSE (or λ is so large that the step is negligible).
    while (lambda < 1e16) {
      const damped = Float64Array.from(jtj);
      for (let a = 0; a < 4; a++) damped[a * 4 + a] += lambda * Math.max(jtj[a * 4 + a], 1e-300);
      const step = solve4(damped, jtr);
      if (step !== null) {
        const candidate: LogisticParams = [
          params[0] + step[0],
          params[1] + step[1],
          params[2] + step[2],
          params[3] + step[3],
        ];
        const candidateSse = candidate[3] === 0 ? Infinity : sumSquares(x, y, candidate);
        if (candidateSse <= sse) {
          // Gain ratio: actual SSE decrease over the decrease the linearised model predicts.
          let predicted = 0;
          for (let a = 0; a < 4; a++) predicted += step[a] * (jtr[a] + lambda * Math.max(jtj[a * 4 + a], 1e-300) * step[a]);
          const rho = predicted > 0 ? (sse - candidateSse) / predicted : 0;
          const relDecrease = (sse - candidateSse) / Math.max(sse, 1e-300);
          const relStep = Math.max(...step.map((d, k) => Math.abs(d) / Math.max(Math.abs(params[k]), 1e-12)));
          params = candidate;
          sse = candidateSse;
          // Nielsen's update: shrink λ smoothly when the model predicted the decrease well.
          lambda = Math.max(lambda * Math.max(1 / 3, 1 - (2 * rho - 1) ** 3), 1e-15);
          nu = 2;
          accepted = true;
          converged = relDecrease < 1e-15 && relStep < 1e-12;
          break;
        }
      }
      lambda *= nu;
      nu *= 2;
    }
    if (!accepted || converged || sse === 0) break;
  }
  const mapped = Float64Array.from(x, (v) => logistic4(v, params));
  return { params, sse, iterations, mapped };
}

/**
 * PLCC after mapping predictions through the fitted VQEG 4-parameter logistic (`fitLogistic`),
 * the convention of most IQA papers that report "PLCC".
 *
 * @throws AgiqaError `invalid_input` for fewer than 5 pairs, constant or non-finite input, or a
 *   fit that collapses to a constant curve (PLCC then undefined).
 */
export function plccLogistic(pred: NumericVector, mos: NumericVector): number {
  const fit = fitLogistic(pred, mos);
  const [, y] = pairedVectors(pred, mos, MIN_LOGISTIC_PAIRS);
  const first = fit.mapped[0];
  if (fit.mapped.every((v) => v === first)) {
    throw new AgiqaError(
      'invalid_input',
      'the logistic fit collapsed to a constant curve: PLCC after the fit is undefined for these predictions',
    );
  }
  return pearsonUnchecked(fit.mapped, y);
}

function sumSquares(x: Float64Array, y: Float64Array, params: LogisticParams): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (y[i] - logistic4(x[i], params)) ** 2;
  return sum;
}

/** Solves the 4×4 system A·s = b by Gaussian elimination with partial pivoting; null if singular. */
function solve4(a: Float64Array, b: Float64Array): number[] | null {
  const m = Array.from({ length: 4 }, (_, r) => [a[r * 4], a[r * 4 + 1], a[r * 4 + 2], a[r * 4 + 3], b[r]]);
  for (let col = 0; col < 4; col++) {
    let pivot = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (!(Math.abs(m[pivot][col]) > 0)) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < 4; r++) {
      const f = m[r][col] / m[col][col];
      for (let c = col; c < 5; c++) m[r][c] -= f * m[col][c];
    }
  }
  const s = [0, 0, 0, 0];
  for (let r = 3; r >= 0; r--) {
    let v = m[r][4];
    for (let c = r + 1; c < 4; c++) v -= m[r][c] * s[c];
    s[r] = v / m[r][r];
  }
  return s.every(Number.isFinite) ? s : null;
}
