/**
 * Where l1 recovery must switch from success to failure (RESEARCH.md §5).
 *
 * For a subspace with uniformly random range (Gaussian A, m×n), l1 decoding of a fraction ε of corrupted
 * coordinates succeeds with high probability iff
 *
 *     psi(ε) < 1 − n/m,
 *     psi(ε) = min_{τ≥0}  ε(1 + τ²) + (1 − ε)·2[(1 + τ²)Q(τ) − τφ(τ)]
 *
 * psi is the statistical dimension of the l1 descent cone per coordinate (Amelunxen, Lotz, McCoy, Tropp 2014),
 * φ and Q the standard normal density and upper tail. The critical fraction ε*(n/m) solves psi(ε*) = 1 − n/m.
 */

const SQRT2 = Math.SQRT2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Standard normal density φ. */
export function normalPdf(t: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * t * t);
}

/** Upper tail Q(t) = P(N(0,1) > t), accurate to ~1e-15 relative (erfc by continued fraction / series). */
export function normalTail(t: number): number {
  return 0.5 * erfc(t / SQRT2);
}

/**
 * Complementary error function. Series for small |x|, Lentz continued fraction for large x;
 * both converge to double precision in a few dozen terms.
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    // erf(x) = 2/√π Σ (−1)^k x^(2k+1) / (k! (2k+1))
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))  (modified Lentz)
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** The objective inside psi for a given τ. */
function psiAt(eps: number, tau: number): number {
  const t2 = 1 + tau * tau;
  return eps * t2 + (1 - eps) * 2 * (t2 * normalTail(tau) - tau * normalPdf(tau));
}

/**
 * The minimising τ solves  ετ = 2(1 − ε)(φ(τ) − τQ(τ))  (derivative of the objective set to zero);
 * the left side increases and the right decreases in τ, so bisection finds the unique root.
 */
export function optimalTau(eps: number): number {
  if (eps <= 0) return Infinity;
  if (eps >= 1) return 0;
  const g = (tau: number) => eps * tau - 2 * (1 - eps) * (normalPdf(tau) - tau * normalTail(tau));
  let lo = 0;
  let hi = 1;
  while (g(hi) < 0) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** psi(ε): normalised statistical dimension of the l1 descent cone at an ε-sparse point. Increasing in ε. */
export function psi(eps: number): number {
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`psi: ε must lie in [0, 1], got ${eps}`);
  if (eps === 0) return 0;
  if (eps === 1) return 1;
  return psiAt(eps, optimalTau(eps));
}

/**
 * Critical corruption fraction ε* for a subspace of dimension n in R^m: recovery succeeds for ε < ε*.
 * 0 when n ≥ m (no redundancy: the subspace is everything, nothing can be corrected).
 */
export function criticalCorruption(samplesOverParams: number): number {
  const delta = samplesOverParams;
  if (!(delta >= 0)) throw new RangeError(`criticalCorruption: n/m must be ≥ 0, got ${delta}`);
  if (delta >= 1) return 0;
  if (delta === 0) return 1;
  const target = 1 - delta;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100 && hi - lo > 1e-13; i++) {
    const mid = 0.5 * (lo + hi);
    if (psi(mid) < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Critical fraction for n spanning vectors in m coordinates (the form the summaries use). */
export function theoryCorruption(samples: number, params: number): number {
  return samples >= params ? 0 : criticalCorruption(samples / params);
}

/** Points (ε*(δ), δ) along δ = n/m for drawing the curve on a phase diagram. */
export function theoryCurve(deltas: readonly number[]): { delta: number; eps: number }[] {
  return deltas.map((delta) => ({ delta, eps: criticalCorruption(delta) }));
}
