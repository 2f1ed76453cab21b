/**
 * The fine-tuning regime end to end on real MNIST (a tiny backbone, a few hundred images, the full runner): the
 * backbone is pretrained once and reused from its checkpoint, the head fine-tuned from it is purified exactly,
 * and the backdoor-defences kind writes its tidy table and figures.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DefenceTrialRecord } from '../src/kinds/defences/records.ts';
import type { PracticalTrialRecord } from '../src/kinds/practical/records.ts';
import { CIFAR10_TEST_FILE, cifarTrainFile } from '../src/data/cifar.ts';
import { makeSyntheticCifar, writeCifarBatch } from '../src/data/fixtures.ts';
import { checkpointDir } from '../src/networks/checkpoint.ts';
import { useBackend } from '../src/tensor/backend.ts';
import { runConfig, writeConfig } from './helpers/experiment.ts';

const previousCache = process.env.PURIFY_CNN_CACHE;
beforeAll(async () => {
  await useBackend('wasm');
  process.env.PURIFY_CNN_CACHE = mkdtempSync(join(tmpdir(), 'purify-cache-'));
});
afterAll(() => {
  if (previousCache === undefined) delete process.env.PURIFY_CNN_CACHE;
  else process.env.PURIFY_CNN_CACHE = previousCache;
});

const tmp = () => mkdtempSync(join(tmpdir(), 'purify-finetune-'));
const trials = <T>(dir: string): T[] => readFileSync(join(dir, 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);

/** A 2-block backbone with 4 and 8 channels (F = 7·7·8 = 392, head m = 393) pretrained on 1500 public images. */
const BACKBONE = `backbone: { blocks: [4, 8], images: 1500, epochs: 1, batchSize: 50, optimizer: adam, lr: 0.003 }`;

/** One trial per cell in one worker, the tiny backbone, n MNIST images fine-tuning its head. */
const header = (kind: string, seed: number, n: number) => `
kind: ${kind}
seed: ${seed}
trials: 1
workers: 1
${BACKBONE}
data: { dataset: mnist, trainSamples: ${n}, testSamples: 500 }
training: { epochs: 20, lr: 0.001 }`;

const PURIFY = `${header('practical', 5, 60)}
contamination: { relativeTo: params, scale: 1 }
solver: { name: admm, maxIterations: 1000 }
sweeps:
  s:
    grid:
      contamination: { fraction: [0.1, 0.7] }
    figures:
      - { kind: accuracy-curves }
`;

describe('fine-tuning a head on a pretrained backbone', () => {
  it('pretrains the backbone once, fine-tunes from its head, and purifies exactly at ε = 0.1 but not at 0.7', async () => {
    const first = tmp();
    await runConfig(writeConfig(PURIFY), first);
    const records = trials<PracticalTrialRecord>(first);
    expect(records).toHaveLength(2);
    const id = records[0].backbone!;
    const weights = join(checkpointDir(id), 'weights.bin');
    const saved = statSync(weights).mtimeMs;
    for (const r of records) {
      expect(r.status).not.toBe('failed');
      expect(r.network).toBe('cnn4-8-head');
      expect(r.backbone).toBe(id);
      expect([r.features, r.params]).toEqual([392, 393]);
      expect(r.off_subspace[0]).toBeLessThan(1e-5); // fine-tuning kept the update in the span of the inputs
    }
    const low = records.find((r) => r.corruption === 0.1)!;
    expect(low.clean_acc!).toBeGreaterThan(70);
    expect(low.contaminated_acc!).toBeLessThan(low.clean_acc!);
    expect(low.success).toBe(true);
    expect(low.purified_acc).toBe(low.clean_acc);
    const high = records.find((r) => r.corruption === 0.7)!;
    expect(high.success).toBe(false);

    // A second experiment with the same backbone loads the checkpoint instead of pretraining again.
    const second = tmp();
    await runConfig(writeConfig(PURIFY.replace('seed: 5', 'seed: 6')), second);
    expect(trials<PracticalTrialRecord>(second)[0].backbone).toBe(id);
    expect(statSync(weights).mtimeMs).toBe(saved);
  }, 240_000);
});

const DEFENCES = `${header('backdoor-defences', 9, 100)}
attack: { poisonRate: 0.2, epochs: 10 }
defence: { epochs: 5, anp: { steps: 50 } }
solver: { name: admm, maxIterations: 1000 }
sweeps:
  d:
    grid:
      attack: { name: [badnets, blended] }
      defence: { name: [none, fine-tuning, fine-pruning, anp, purify-project] }
    figures:
      - { kind: defence-bars }
`;

describe('backdoor defences', () => {
  it('writes one row per (attack, defence) with the benign budget and whether labels were used', async () => {
    const dir = tmp();
    const outcome = await runConfig(writeConfig(DEFENCES), dir);
    const records = trials<DefenceTrialRecord>(dir);
    expect(records).toHaveLength(10);
    for (const r of records) {
      expect(r.status).not.toBe('failed');
      expect(r.benign_inputs).toBe(100);
      expect(r.labels_used).toBe(['fine-tuning', 'fine-pruning', 'anp'].includes(r.defence));
      expect(r.pruned_units === null).toBe(!['fine-pruning', 'anp'].includes(r.defence));
    }
    for (const attack of ['badnets', 'blended']) {
      const of = (defence: string) => records.find((r) => r.attack === attack && r.defence === defence)!;
      // Every defence starts from the same backdoored network.
      expect(new Set(records.filter((r) => r.attack === attack).map((r) => r.backdoored_asr)).size).toBe(1);
      expect(of('none').asr).toBe(of('none').backdoored_asr);
      expect(of('none').backdoored_asr!).toBeGreaterThan(of('none').clean_model_asr! + 20); // the attack took
      expect(of('fine-pruning').pruned_units).toBe(Math.round(0.8 * 392));
    }
    const summary = readFileSync(outcome.report.summary, 'utf8').trim().split('\n');
    expect(summary[0]).toMatch(/^sweep,dataset,network,attack,target,poison_rate,defence,benign_inputs,labels_used,trials,clean_acc,asr,/);
    expect(summary).toHaveLength(11);
    expect(summary.filter((row) => row.includes(',purify-project,')).every((row) => row.includes(',purify-project,100,false,'))).toBe(true);
    expect(outcome.report.figures.map((f) => f.split('/').pop()).sort()).toEqual(['d-defences-attack-badnets.png', 'd-defences-attack-blended.png']);
  }, 240_000);
});

describe('the fine-tuning regime on CIFAR-10 files', () => {
  it('pretrains on the public half of a CIFAR-10 in the official binary format and purifies the fine-tuned head', async () => {
    // Full-size batches (the loader checks 10,000 records each) of learnable synthetic images.
    const data = mkdtempSync(join(tmpdir(), 'purify-cifar-'));
    for (const [k, file] of [...[1, 2, 3, 4, 5].map(cifarTrainFile), CIFAR10_TEST_FILE].entries()) {
      const set = makeSyntheticCifar(10_000, `fixture-${k}`);
      await writeCifarBatch(join(data, file), set.pixels, set.labels);
    }
    const dir = tmp();
    const config = PURIFY.replace('dataset: mnist', `dataset: cifar10, dir: ${JSON.stringify(data)}`).replace('images: 1500', 'images: 1000');
    await runConfig(writeConfig(config), dir);
    const records = trials<PracticalTrialRecord>(dir);
    for (const r of records) {
      expect(r.status).not.toBe('failed');
      expect([r.dataset, r.network, r.features]).toEqual(['cifar10', 'cnn4-8-head', 8 * 8 * 8]);
    }
    const low = records.find((r) => r.corruption === 0.1)!;
    expect(low.success).toBe(true);
    expect(low.purified_acc).toBe(low.clean_acc);
  }, 240_000);
});
