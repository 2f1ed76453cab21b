/**
 * Per-epoch training progress, on stderr and only when stderr is a terminal, so CI logs and tests stay quiet.
 * Worker threads do not see the terminal (their stderr is a pipe to the main thread), so the main thread
 * records the fact in the environment, which workers inherit when they are spawned.
 */
import { isMainThread } from 'node:worker_threads';
import type { EpochInfo } from './train.ts';

const FLAG = 'PURIFY_STDERR_TTY';
if (isMainThread) process.env[FLAG] = process.stderr.isTTY ? '1' : '0';

export function showProgress(): boolean {
  return process.env[FLAG] === '1';
}

/** A redrawn one-line bar for one training run, e.g. "  mnist net #2 [█████░░░░░] epoch 12/30 loss 0.214". */
export function epochReporter(label: string): ((info: EpochInfo) => void) | undefined {
  if (!showProgress()) return undefined;
  return (info) => {
    const width = 20;
    const done = Math.round((info.epoch / info.epochs) * width);
    const stage = info.stages > 1 ? ` layer ${info.stage + 1}/${info.stages}` : '';
    const bar = `${'█'.repeat(done)}${'░'.repeat(width - done)}`;
    const end = info.epoch === info.epochs && info.stage === info.stages - 1 ? '\r\x1b[K' : '';
    process.stderr.write(`\r\x1b[K  training ${label}${stage} [${bar}] epoch ${info.epoch}/${info.epochs} loss ${info.loss.toFixed(3)}${end}`);
  };
}
