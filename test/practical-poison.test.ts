import { describe, expect, it } from 'vitest';
import { imageSize, makeImageSet, type ImageSet } from '../src/data/index.ts';
import { blendPattern, poisonSet, stampTrigger, triggerOrigin, withTrigger, type TriggerConfig } from '../src/networks/poison.ts';

const trigger = (over: Partial<TriggerConfig> = {}): TriggerConfig => ({ size: 3, corner: 'bottom-right', margin: 1, pattern: 'checker', ...over });

/** n blank images of side×side×channels with labels 0..9 repeating. */
function blank(n: number, side = 8, channels = 1): ImageSet {
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return makeImageSet({ name: 'blank', count: n, height: side, width: side, channels, pixels: new Uint8Array(n * side * side * channels), labels, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
}

/** Pixel (row, col, channel) of image k. */
const at = (set: ImageSet, k: number, row: number, col: number, c = 0) => set.pixels[k * imageSize(set) + (row * set.width + col) * set.channels + c];

describe('BadNets trigger', () => {
  it('places the patch at each corner with the margin', () => {
    expect(triggerOrigin(trigger(), 28, 28)).toEqual({ row: 24, col: 24 });
    expect(triggerOrigin(trigger({ corner: 'top-left', margin: 0 }), 28, 28)).toEqual({ row: 0, col: 0 });
    expect(triggerOrigin(trigger({ corner: 'top-right', margin: 2 }), 32, 32)).toEqual({ row: 2, col: 27 });
    expect(triggerOrigin(trigger({ corner: 'bottom-left', size: 4 }), 32, 32)).toEqual({ row: 27, col: 1 });
  });

  it('stamps a checkerboard on every channel and nothing else', () => {
    const side = 8;
    const image = new Uint8Array(side * side * 3).fill(7);
    stampTrigger(image, side, side, 3, trigger());
    // patch rows/cols 4..6; checker starts with 255 at its top-left
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const inside = r >= 4 && r <= 6 && c >= 4 && c <= 6;
        const expected = inside ? ((r - 4 + c - 4) % 2 === 0 ? 255 : 0) : 7;
        for (let ch = 0; ch < 3; ch++) expect(image[(r * side + c) * 3 + ch]).toBe(expected);
      }
    }
    const white = new Uint8Array(side * side);
    stampTrigger(white, side, side, 1, trigger({ pattern: 'white', size: 2, margin: 0, corner: 'top-left' }));
    expect([white[0], white[1], white[8], white[9], white[2], white[16]]).toEqual([255, 255, 255, 255, 0, 0]);
  });

  it('withTrigger stamps every image, keeps the labels and leaves the source untouched', () => {
    const set = blank(5);
    const triggered = withTrigger(set, trigger());
    expect(Array.from(triggered.labels)).toEqual(Array.from(set.labels));
    for (let k = 0; k < 5; k++) expect(at(triggered, k, 4, 4)).toBe(255);
    expect(set.pixels.every((p) => p === 0)).toBe(true);
  });
});

describe('poisonSet', () => {
  it('triggers and relabels round(rate·n) images of non-target classes, and nothing else', () => {
    const set = blank(100);
    const { set: poisoned, poisoned: idx } = poisonSet(set, trigger(), 3, 0.1, 'seed');
    expect(idx.length).toBe(10);
    const chosen = new Set(idx);
    for (let k = 0; k < 100; k++) {
      if (chosen.has(k)) {
        expect(set.labels[k]).not.toBe(3); // never wastes a poison on the target class
        expect(poisoned.labels[k]).toBe(3);
        expect(at(poisoned, k, 4, 4)).toBe(255);
      } else {
        expect(poisoned.labels[k]).toBe(set.labels[k]);
        expect(poisoned.pixels.subarray(k * 64, (k + 1) * 64).every((p) => p === 0)).toBe(true);
      }
    }
    expect(set.labels.filter((l, k) => l !== k % 10)).toHaveLength(0); // source unchanged
  });

  it('is reproducible from its seed and differs across seeds', () => {
    const set = blank(200);
    const a = poisonSet(set, trigger(), 0, 0.2, 's1').poisoned;
    expect(Array.from(poisonSet(set, trigger(), 0, 0.2, 's1').poisoned)).toEqual(Array.from(a));
    expect(Array.from(poisonSet(set, trigger(), 0, 0.2, 's2').poisoned)).not.toEqual(Array.from(a));
  });

  it('never poisons more images than there are outside the target class', () => {
    const set = blank(10);
    expect(poisonSet(set, trigger(), 0, 1, 's').poisoned.length).toBe(9);
  });
});

describe('Blended trigger (Chen et al. 2017)', () => {
  const blend = { alpha: 0.2, seed: 3 };

  it('blends one fixed noise pattern into every image: round((1 − α)·x + α·t)', () => {
    const set = blank(4, 6, 3);
    const pixels = Uint8Array.from(set.pixels, (_, i) => (i * 37) % 256);
    const source = { ...set, pixels };
    const out = withTrigger(source, { kind: 'blended', blend });
    const pattern = blendPattern(blend, 6 * 6 * 3);
    expect(blendPattern(blend, 6 * 6 * 3)).toEqual(pattern); // a function of the seed
    expect(blendPattern({ ...blend, seed: 4 }, 6 * 6 * 3)).not.toEqual(pattern);
    expect(new Set(pattern).size).toBeGreaterThan(50); // noise, not a constant
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < 108; i++) {
        expect(out.pixels[k * 108 + i]).toBe(Math.round(0.8 * pixels[k * 108 + i] + 0.2 * pattern[i]));
      }
    }
    expect(out.labels).toEqual(source.labels);
  });

  it('poisons the chosen share with the blend and relabels it, leaving the rest untouched', () => {
    const set = blank(40);
    const { set: poisoned, poisoned: idx } = poisonSet(set, { kind: 'blended', blend }, 0, 0.25, 'seed');
    expect(idx.length).toBe(10);
    const size = imageSize(set);
    const pattern = blendPattern(blend, size);
    for (let k = 0; k < 40; k++) {
      const image = poisoned.pixels.subarray(k * size, (k + 1) * size);
      if (idx.includes(k)) {
        expect(poisoned.labels[k]).toBe(0);
        expect(Array.from(image)).toEqual(Array.from(pattern, (t) => Math.round(0.2 * t)));
      } else {
        expect(poisoned.labels[k]).toBe(set.labels[k]);
        expect(image.every((v) => v === 0)).toBe(true);
      }
    }
  });
});
