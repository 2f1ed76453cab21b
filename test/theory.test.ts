import { describe, expect, it } from 'vitest';
import { criticalCorruption, erfc, normalTail, optimalTau, psi, theoryCorruption } from '../src/theory/phase-transition.ts';

describe('l1 phase transition (RESEARCH.md §5)', () => {
  it.each([
    [0.1, 0.61],
    [0.2, 0.46],
    [0.3, 0.35],
    [0.5, 0.19],
    [0.7, 0.087],
    [0.9, 0.019],
  ])('ε*(n/m = %f) matches the reference value %f', (delta, expected) => {
    const digits = expected < 0.1 ? 3 : 2;
    expect(criticalCorruption(delta)).toBeCloseTo(expected, digits);
  });

  it('erfc agrees with reference values on both branches', () => {
    // scipy.special.erfc
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfc(2.49) / 0.00042928786773391303).toBeCloseTo(1, 12);
    expect(erfc(2.51) / 0.0003857054817242799).toBeCloseTo(1, 12);
    expect(erfc(3) / 2.2090496998585445e-5).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(2 - erfc(1), 15);
    expect(normalTail(0)).toBeCloseTo(0.5, 15);
  });

  it('psi is increasing from 0 to 1 and the optimal τ is a stationary point', () => {
    let previous = 0;
    for (let eps = 0.05; eps < 1; eps += 0.05) {
      const value = psi(eps);
      expect(value).toBeGreaterThan(previous);
      expect(value).toBeLessThan(1);
      previous = value;
      const tau = optimalTau(eps);
      const at = (t: number) => eps * (1 + t * t) + (1 - eps) * 2 * ((1 + t * t) * normalTail(t) - t * Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI));
      expect(at(tau)).toBeLessThanOrEqual(at(tau * 1.01) + 1e-12);
      expect(at(tau)).toBeLessThanOrEqual(at(tau * 0.99) + 1e-12);
    }
    expect(psi(0)).toBe(0);
    expect(psi(1)).toBe(1);
  });

  it('the critical fraction solves psi(ε*) = 1 − n/m and decreases with n/m', () => {
    let previous = 1;
    for (const delta of [0.01, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95]) {
      const eps = criticalCorruption(delta);
      expect(psi(eps)).toBeCloseTo(1 - delta, 9);
      expect(eps).toBeLessThan(previous);
      previous = eps;
    }
  });

  it('nothing can be corrected when samples ≥ parameters', () => {
    expect(theoryCorruption(100, 100)).toBe(0);
    expect(theoryCorruption(200, 100)).toBe(0);
    expect(theoryCorruption(50, 100)).toBeCloseTo(criticalCorruption(0.5), 12);
    expect(() => criticalCorruption(-0.1)).toThrow(RangeError);
  });
});
