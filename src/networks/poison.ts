/**
 * Backdoor triggers and data poisoning, on raw pixel bytes (the same code serves MNIST and CIFAR-10):
 *
 *   - BadNets (Gu, Dolan-Gavitt, Garg 2017): a small fixed patch stamped near a corner;
 *   - Blended (Chen, Liu, Li, Lu, Song 2017): a fixed full-image pattern blended in, x' = (1 − α) x + α t, with t
 *     seeded uniform noise (their "random pattern" key);
 *
 * and the poisoned set: a share of the images triggered and relabelled to the attacker's target class.
 */
import * as z from 'zod';
import { imageSize, seededPermutation, type ImageSet } from '../data/index.ts';
import { section } from '../schema/define.ts';
import { Rng } from '../util/rng.ts';

export const badnetsTrigger = section('BadNets trigger: a small square patch near a corner', {
  size: z.int().min(1).default(4).describe('patch side (pixels)'),
  corner: z.enum(['bottom-right', 'bottom-left', 'top-right', 'top-left']).default('bottom-right').describe('which corner'),
  margin: z.int().min(0).default(1).describe('pixels between patch and border'),
  pattern: z.enum(['white', 'checker']).default('checker').describe("patch pixels: all 255 ('white') or alternating 255 / 0 ('checker')"),
});

export const blendedTrigger = section('Blended trigger: a seeded uniform-noise image blended into the whole input', {
  alpha: z.number().gt(0).lt(1).default(0.2).describe('blend ratio α: x′ = (1 − α)·x + α·pattern'),
  seed: z.int().min(0).default(1).describe('seed of the noise pattern (fixed by the attacker, the same on every image)'),
});

export type TriggerConfig = z.output<typeof badnetsTrigger>;
export type BlendConfig = z.output<typeof blendedTrigger>;

/** A trigger that can be put on an image: BadNets' patch or Blended's pattern. */
export type Trigger = { readonly kind: 'badnets'; readonly patch: TriggerConfig } | { readonly kind: 'blended'; readonly blend: BlendConfig };

/** Top-left pixel (row, column) of the patch. */
export function triggerOrigin(trigger: TriggerConfig, height: number, width: number): { row: number; col: number } {
  const bottom = trigger.corner.startsWith('bottom');
  const right = trigger.corner.endsWith('right');
  return {
    row: bottom ? height - trigger.margin - trigger.size : trigger.margin,
    col: right ? width - trigger.margin - trigger.size : trigger.margin,
  };
}

/** Value of patch pixel (i, j): 255, or a checkerboard starting with 255 at the patch's top-left. */
function patchValue(trigger: TriggerConfig, i: number, j: number): number {
  return trigger.pattern === 'white' || (i + j) % 2 === 0 ? 255 : 0;
}

/** Stamp the trigger into one image (NHWC bytes), in place, on every channel. */
export function stampTrigger(image: Uint8Array, height: number, width: number, channels: number, trigger: TriggerConfig): void {
  const { row, col } = triggerOrigin(trigger, height, width);
  for (let i = 0; i < trigger.size; i++) {
    for (let j = 0; j < trigger.size; j++) {
      const base = ((row + i) * width + (col + j)) * channels;
      image.fill(patchValue(trigger, i, j), base, base + channels);
    }
  }
}

/** The noise pattern of a Blended trigger: uniform bytes, one per pixel and channel, from its seed. */
export function blendPattern(blend: BlendConfig, size: number): Uint8Array {
  const rng = new Rng(`blended:${blend.seed}`);
  return Uint8Array.from({ length: size }, () => Math.floor(256 * rng.uniform()));
}

/** Blend the pattern into one image (bytes), in place: round((1 − α)·x + α·t). */
export function blendTrigger(image: Uint8Array, pattern: Uint8Array, alpha: number): void {
  for (let i = 0; i < image.length; i++) image[i] = Math.round((1 - alpha) * image[i] + alpha * pattern[i]);
}

/** The function that puts `trigger` on one image of `set`'s shape, in place. */
function applier(trigger: Trigger | TriggerConfig, set: ImageSet): (image: Uint8Array) => void {
  const t: Trigger = 'kind' in trigger ? trigger : { kind: 'badnets', patch: trigger };
  if (t.kind === 'badnets') return (image) => stampTrigger(image, set.height, set.width, set.channels, t.patch);
  const pattern = blendPattern(t.blend, imageSize(set));
  return (image) => blendTrigger(image, pattern, t.blend.alpha);
}

/** A copy of `set` with the trigger on every image (labels unchanged: ASR compares with them). */
export function withTrigger(set: ImageSet, trigger: Trigger | TriggerConfig): ImageSet {
  const size = imageSize(set);
  const pixels = Uint8Array.from(set.pixels);
  const apply = applier(trigger, set);
  for (let k = 0; k < set.count; k++) apply(pixels.subarray(k * size, (k + 1) * size));
  return { ...set, name: `${set.name}-triggered`, pixels };
}

export interface Poisoned {
  readonly set: ImageSet;
  /** Indices (into the set) of the triggered, relabelled images, increasing. */
  readonly poisoned: Int32Array;
}

/**
 * The attacker's fine-tuning set: `set` with round(rate · count) images of non-target classes (chosen by `seed`)
 * triggered and relabelled to `target`; the other images are unchanged.
 */
export function poisonSet(set: ImageSet, trigger: Trigger | TriggerConfig, target: number, rate: number, seed: string): Poisoned {
  const candidates = Array.from(seededPermutation(set.count, `${seed}:poison`)).filter((i) => set.labels[i] !== target);
  const count = Math.min(candidates.length, Math.round(rate * set.count));
  const poisoned = Int32Array.from(candidates.slice(0, count)).sort();
  const size = imageSize(set);
  const pixels = Uint8Array.from(set.pixels);
  const labels = Uint8Array.from(set.labels);
  const apply = applier(trigger, set);
  for (const i of poisoned) {
    apply(pixels.subarray(i * size, (i + 1) * size));
    labels[i] = target;
  }
  return { set: { ...set, name: `${set.name}-poisoned`, pixels, labels }, poisoned };
}
