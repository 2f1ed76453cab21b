/** Seeded randomness. Every random draw in a trial comes from an Rng built from that trial's derived seed. */
import seedrandom from 'seedrandom';

export class Rng {
  private readonly next: () => number;
  private spare: number | undefined;

  constructor(seed: number | string) {
    this.next = seedrandom.alea(String(seed));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Standard normal (Marsaglia polar method; the spare value is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u: number;
    let v: number;
    let q: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * f;
    return u * f;
  }

  /** ±1 with equal probability. */
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }

  /** Array of n normals with standard deviation `std`. */
  normals(n: number, std = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = std * this.normal();
    return out;
  }

  /** k distinct indices from 0..n-1, uniformly (partial Fisher–Yates), in increasing order. */
  choose(n: number, k: number): Int32Array {
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx.slice(0, k).sort();
  }

  /** An independent stream for a named purpose (data, init, corruption…) of one seed. */
  static stream(seed: number, purpose: string): Rng {
    return new Rng(`${seed}:${purpose}`);
  }
}
