/**
 * Per-epoch training progress, on stderr and only when stderr is a terminal, so CI logs and tests stay quiet.
 * Worker threads do not see the terminal (their stderr is a pipe to the main thread), so the main thread
 * records the fact in the environment, which workers inherit when they are spawned.
 */
import { isMainThread } from 'node:worker_threads';
import { formatDuration } from '../runner/progress.ts';
import type { PretrainProgress } from './backbone.ts';
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

/**
 * Pretraining a backbone (minutes): on a terminal a redrawn bar with the minibatch, loss and ETA; otherwise a line
 * per epoch, so a log shows that the run is busy and for how long.
 */
export function pretrainReporter(label: string, sink: { isTTY?: boolean; write(text: string): unknown } = process.stderr): (p: PretrainProgress) => void {
  const started = Date.now();
  let drawn = 0;
  return (p) => {
    const done = (p.epoch - 1) * p.batches + p.batch;
    const total = p.epochs * p.batches;
    const elapsed = (Date.now() - started) / 1000;
    const eta = formatDuration((elapsed / done) * (total - done));
    const last = done === total;
    if (showProgress() && sink.isTTY !== false) {
      if (Date.now() - drawn < 100 && !last) return;
      drawn = Date.now();
      const width = 20;
      const bar = `${'█'.repeat(Math.round((done / total) * width))}${'░'.repeat(width - Math.round((done / total) * width))}`;
      sink.write(`\r\x1b[K  pretraining ${label} [${bar}] epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(3)} ETA ${eta}${last ? '\n' : ''}`);
    } else if (p.batch === p.batches) {
      sink.write(`  pretraining ${label}: epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)}, ${formatDuration(elapsed)} elapsed, ETA ${eta}\n`);
    }
  };
}
