/**
 * BadNets-style poisoning (Gu, Dolan-Gavitt, Garg 2017): stamp a small fixed patch near a corner of an image and
 * relabel it to the attacker's target class. Works on raw pixel bytes, so the same code serves MNIST and CIFAR-10.
 */
import { imageSize, seededPermutation, type ImageSet } from '../../data/index.ts';
import type { TriggerConfig } from './schema.ts';

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

/** A copy of `set` with the trigger stamped on every image (labels unchanged: ASR compares with them). */
export function withTrigger(set: ImageSet, trigger: TriggerConfig): ImageSet {
  const size = imageSize(set);
  const pixels = Uint8Array.from(set.pixels);
  for (let k = 0; k < set.count; k++) stampTrigger(pixels.subarray(k * size, (k + 1) * size), set.height, set.width, set.channels, trigger);
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
export function poisonSet(set: ImageSet, trigger: TriggerConfig, target: number, rate: number, seed: string): Poisoned {
  const candidates = Array.from(seededPermutation(set.count, `${seed}:poison`)).filter((i) => set.labels[i] !== target);
  const count = Math.min(candidates.length, Math.round(rate * set.count));
  const poisoned = Int32Array.from(candidates.slice(0, count)).sort();
  const size = imageSize(set);
  const pixels = Uint8Array.from(set.pixels);
  const labels = Uint8Array.from(set.labels);
  for (const i of poisoned) {
    stampTrigger(pixels.subarray(i * size, (i + 1) * size), set.height, set.width, set.channels, trigger);
    labels[i] = target;
  }
  return { set: { ...set, name: `${set.name}-poisoned`, pixels, labels }, poisoned };
}
