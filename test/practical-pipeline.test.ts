/**
 * End to end on real MNIST (a few hundred images, the full runner): purification must restore the accuracy the
 * contamination cost, the backdoor must be removed, and results must not depend on the number of workers.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackdoorTrialRecord } from '../src/kinds/backdoor/records.ts';
import type { PracticalTrialRecord } from '../src/kinds/practical/records.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { ROOT, resultsWithoutTiming, runConfig, writeConfig } from './helpers/experiment.ts';

beforeAll(async () => {
  await useBackend('wasm');
});

const tmp = () => mkdtempSync(join(tmpdir(), 'purify-practical-'));
const trials = <T>(dir: string): T[] => readFileSync(join(dir, 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);

/** A conv4x32 network on 200 MNIST training images (head m = 1569 per row, n/m ≈ 0.13), scored on 1000 test images. */
const mnistNetwork = (kind: string, defaults: string, seed: number, trials: number) => `
kind: ${kind}
defaults: { network: conv4x32, purification: project${defaults} }
seed: ${seed}
trials: ${trials}
workers: 1
data: { dataset: mnist, trainSamples: 200, testSamples: 1000 }
training: { epochs: 20 }
solver: { name: admm, certify: false, polish: true }
`;

const PURIFY = `${mnistNetwork('practical', '', 7, 2)}
sweeps:
  s:
    grid:
      contamination: { fraction: [0.1, 0.6] }
      purification: { variant: [project, detect-replace] }
    figures:
      - { kind: accuracy-curves }
`;

describe('practical purification on MNIST', () => {
  const first = tmp();

  it('restores the clean test accuracy at ε = 0.1 and breaks down at ε = 0.6', async () => {
    const tensors = tf.memory().numTensors;
    const outcome = await runConfig(writeConfig(PURIFY), first);
    expect(tf.memory().numTensors).toBe(tensors); // every tensor of the run was freed
    expect(outcome.planned).toBe(8);
    const records = trials<PracticalTrialRecord>(first);
    for (const r of records) {
      expect(r.status).not.toBe('failed');
      expect(r.off_subspace[0]).toBeLessThan(1e-5); // training kept the update in the span of the inputs
      expect(r.train_acc).toBe(100);
    }
    for (const r of records.filter((x) => x.corruption === 0.1)) {
      expect(r.corrupted_count).toBeGreaterThan(0.08 * r.purified_params);
      expect(r.contaminated_acc!).toBeLessThan(r.clean_acc! - 3); // the corruption costs several points
      expect(r.detect_precision!).toBeGreaterThan(0.99);
      expect(r.detect_recall!).toBeGreaterThan(0.8);
      if (r.variant === 'project') {
        expect(r.success).toBe(true);
        expect(r.restored).toBe(true);
        expect(r.purified_acc).toBe(r.clean_acc);
      } else {
        // detect-replace keeps the corruptions too small to flag: close to clean, not equal
        expect(r.purified_acc!).toBeGreaterThanOrEqual(r.clean_acc! - 1);
      }
    }
    for (const r of records.filter((x) => x.corruption === 0.6)) {
      expect(r.success).toBe(false);
      expect(r.rel_error!).toBeGreaterThan(0.1);
    }
    const summary = readFileSync(outcome.report.summary, 'utf8');
    expect(summary.split('\n')[0]).toContain('clean_acc,contaminated_acc,purified_acc,restored_rate,success_rate');
    expect(outcome.report.figures.map((f) => f.split('/').pop())).toEqual(['s-accuracy.png']);
  });

  it('gives the same trials (apart from timings) with two workers', async () => {
    const second = tmp();
    await runConfig(writeConfig(PURIFY), second, ['workers=2']);
    expect(resultsWithoutTiming(join(second, 'trials.jsonl'))).toBe(resultsWithoutTiming(join(first, 'trials.jsonl')));
    expect(readFileSync(join(second, 'summary.csv'), 'utf8').replace(/,[\d.]+,[\d.]+,s\//g, ',s/')).toBe(
      readFileSync(join(first, 'summary.csv'), 'utf8').replace(/,[\d.]+,[\d.]+,s\//g, ',s/'),
    );
  });

  it('purifies a two-layer network layer by layer', async () => {
    const yaml = `
kind: practical
defaults: { network: conv4x32, purification: project }
seed: 8
trials: 1
workers: 1
network: { hidden: [256] }
data: { dataset: mnist, trainSamples: 100, testSamples: 1000 }
training: { epochs: 20, schedule: layerwise }
solver: { name: admm, certify: false, polish: true }
sweeps:
  s:
    grid:
      contamination: { fraction: 0.05 }
`;
    const dir = tmp();
    await runConfig(writeConfig(yaml), dir);
    const [r] = trials<PracticalTrialRecord>(dir);
    expect(r.network).toBe('conv4x32-256-head');
    expect(r.off_subspace).toHaveLength(2);
    for (const off of r.off_subspace) expect(off!).toBeLessThan(1e-5);
    expect(r.layer_rel_errors).toHaveLength(2);
    for (const e of r.layer_rel_errors) expect(e!).toBeLessThan(1e-4);
    expect(r.contaminated_acc!).toBeLessThan(r.clean_acc!);
    expect(r.purified_acc).toBe(r.clean_acc);
  });
});

describe('backdoor removal on MNIST', () => {
  it('purification from benign inputs removes the trigger; fine-tuning on the same inputs does not', async () => {
    const yaml = `${mnistNetwork('backdoor', ', backdoor: badnets-corner', 9, 1)}
sweeps:
  s:
    grid:
      backdoor: { poisonRate: 0.1 }
    figures:
      - { kind: backdoor-bars }
`;
    const dir = tmp();
    const tensors = tf.memory().numTensors;
    const outcome = await runConfig(writeConfig(yaml), dir);
    expect(tf.memory().numTensors).toBe(tensors);
    const [r] = trials<BackdoorTrialRecord>(dir);
    expect(r.poisoned_count).toBe(20);
    expect(r.asr_clean!).toBeLessThan(5);
    expect(r.asr_before!).toBeGreaterThan(80);
    expect(r.asr_after!).toBeLessThan(10);
    expect(r.baseline_asr_after!).toBeGreaterThan(r.asr_after! + 30);
    expect(r.purified_acc!).toBeGreaterThan(r.contaminated_acc! - 2);
    expect(readFileSync(outcome.report.summary, 'utf8').split('\n')[0]).toContain(
      'clean_acc,asr_clean,contaminated_acc,asr_before,purified_acc,asr_after,baseline_clean_acc,baseline_asr_after',
    );
    expect(outcome.report.figures).toHaveLength(1);
  });
});

describe('CIFAR-10 experiments without the data', () => {
  it.each(['cifar-purify', 'cifar-backdoor', 'cifar-finetune-purify', 'cifar-finetune-backdoor'])('%s validates, then stops with exit code 2 and instructions, writing nothing', (name) => {
    const empty = tmp();
    const out = join(tmp(), 'never');
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const dry = spawnSync(tsx, [join(ROOT, 'src/cli/experiment.ts'), name, '--dry-run'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CIFAR10_DIR: empty } });
    expect(dry.status).toBe(0);
    const r = spawnSync(tsx, [join(ROOT, 'src/cli/experiment.ts'), name, '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CIFAR10_DIR: empty } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CIFAR-10 is unavailable');
    expect(r.stderr).toContain(`Looked in ${empty} (from environment variable CIFAR10_DIR)`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
