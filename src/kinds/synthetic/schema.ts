/**
 * What a synthetic experiment config may say (RESEARCH.md §1–4), with defaults and the rules that tie keys
 * together. `SyntheticConfig` is the fully resolved form every later stage reads.
 */
import * as z from 'zod';
import type { CommonConfig } from '../../core/config.ts';
import { corruptionSign, sparseCorruptionFields } from '../../recovery/contaminate.ts';
import { section, type SectionsShape } from '../../schema/define.ts';
import type { Issue } from '../../schema/validate.ts';
import { solverSpec } from '../../solvers/registry.ts';

const model = section('the student: one-hidden-layer non-overlapping CNN', {
  inputDim: z.int().min(1).default(32).describe('d, input dimension'),
  patches: z.int().min(1).default(4).describe('r, non-overlapping patches (patch size k = d/r)'),
  width: z.int().min(1).default(64).describe('p, number of filters (hidden units)'),
  filterScale: z.number().gt(0).default(1).describe('initial filters W0 ~ N(0, filterScale²/k)'),
  biasScale: z.number().min(0).default(0.1).describe('initial hidden biases b0 ~ N(0, biasScale²)'),
  outputInit: z.enum(['sign', 'gaussian']).default('sign').describe('initial output weights a0 = ±1/√p (sign) or N(0, 1/p) (gaussian)'),
});

const data = section('synthetic data: x ~ N(0, I_d), labels from a planted teacher', {
  samples: z.int().min(1).default(40).describe('n, training inputs (they span the subspace)'),
  teacherWidth: z.int().min(1).default(4).describe('width of the planted teacher that labels the inputs'),
  labelNoise: z.number().min(0).default(0).describe('std of Gaussian label noise'),
});

const training = section('full-batch gradient descent on the squared loss from the seeded initialisation', {
  mode: z.enum(['linearized', 'relu']).default('linearized').describe('linearized: activation patterns frozen at init; relu: true gradient descent'),
  layers: z.enum(['hidden', 'output', 'both']).default('hidden').describe('trained layers: hidden (W, b) with a fixed, output a with W, b fixed, or both (hidden, then output)'),
  steps: z.int().min(1).default(200).describe('gradient steps per trained layer'),
  lr: z.number().gt(0).default(0.5).describe('learning rate (for the output layer: lr/p, see train.ts)'),
  space: z.enum(['coefficients', 'parameters']).default('coefficients').describe('linearized and output-layer GD on the n coefficients of the update (n×n Gram matrix AᵀA; equal in exact arithmetic, far cheaper) or on the parameters (the reference); relu training always runs on the parameters'),
});

const contamination = section('sparse corruption z added to the trained parameters (RESEARCH.md §3)', {
  ...sparseCorruptionFields,
  sign: corruptionSign,
  target: z.enum(['all', 'w', 'b']).default('all').describe('which coordinates of the recovered layer may be hit: all, only filters W, only biases b'),
});

const recovery = section('what is recovered, from which subspace, and what counts as success', {
  layer: z.enum(['hidden', 'hidden-w', 'hidden-b', 'output']).default('hidden').describe('recovered parameters: W and b, W alone, b alone, or the output weights a'),
  subspace: z.enum(['cnn', 'gaussian']).default('cnn').describe('A_W / A_β from the training inputs, or a Gaussian ablation of the same shape'),
  tolerance: z.number().gt(0).max(1).default(1e-4).describe('success when ||θ^ − θ_T|| / ||θ_T − θ0|| ≤ tolerance'),
  // The most l1 recovery can promise once training left the subspace: error within a factor of that distance.
  stability: z.number().min(0).default(3).describe('stable success when relative error ≤ tolerance + stability × off-subspace distance'),
});

export const SYNTHETIC_SECTIONS = { model, data, training, contamination, recovery, solver: solverSpec };

export type SyntheticConfig = CommonConfig & SectionsShape<typeof SYNTHETIC_SECTIONS>;
export type ModelConfig = SyntheticConfig['model'];
export type DataConfig = SyntheticConfig['data'];
export type TrainingConfig = SyntheticConfig['training'];
export type RecoveryConfig = SyntheticConfig['recovery'];

/**
 * Rules between keys: the patches tile the input, the trained layer is the recovered one, and the corruption
 * target lies inside the recovered layer.
 */
export function checkSynthetic(c: Pick<SyntheticConfig, 'model' | 'training' | 'contamination' | 'recovery'>): Issue[] {
  const issues: Issue[] = [];
  const { inputDim: d, patches: r } = c.model;
  if (r > d) issues.push({ path: ['model', 'patches'], message: `expected at most inputDim (${d}) patches, got ${r}: a patch needs at least one input coordinate` });
  else if (d % r !== 0) issues.push({ path: ['model', 'patches'], message: `expected a divisor of inputDim (${d}) so the patches do not overlap or leave inputs out, got ${r}` });
  const { layer, subspace } = c.recovery;
  const trained = c.training.layers;
  const needs = layer === 'output' ? 'output' : 'hidden';
  if (subspace === 'cnn' && trained !== needs && trained !== 'both') {
    issues.push({ path: ['training', 'layers'], message: `expected '${needs}' or 'both': recovery.layer '${layer}' recovers a layer that training.layers '${trained}' does not train` });
  }
  const allowed: Record<RecoveryConfig['layer'], string[]> = { hidden: ['all', 'w', 'b'], 'hidden-w': ['all', 'w'], 'hidden-b': ['all', 'b'], output: ['all'] };
  if (!allowed[layer].includes(c.contamination.target)) {
    issues.push({ path: ['contamination', 'target'], message: `expected one of ${allowed[layer].join(', ')} for recovery.layer '${layer}', got "${c.contamination.target}"` });
  }
  return issues;
}
