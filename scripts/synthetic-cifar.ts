/**
 * Writes a CIFAR-10 of the real size (five training batches of 10,000 and a test batch of 10,000 images) in the
 * official binary format, from learnable synthetic images (src/data/fixtures.ts: a coloured square per class on a
 * noisy background), so that the cifar experiments can be timed where the real files cannot be downloaded:
 *
 *     npx tsx scripts/synthetic-cifar.ts /tmp/cifar-size && CIFAR10_DIR=/tmp/cifar-size npm run experiment cifar-finetune-purify
 *
 * Its accuracies say nothing about CIFAR-10; only the wall times carry over (docs/practical.md).
 */
import { join } from 'node:path';
import { CIFAR10_TEST_FILE, cifarTrainFile } from '../src/data/cifar.ts';
import { makeSyntheticCifar, writeCifarBatch } from '../src/data/fixtures.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npx tsx scripts/synthetic-cifar.ts <folder>\n');
  process.exit(2);
}
const batches = [...Array.from({ length: 5 }, (_, i) => cifarTrainFile(i + 1)), CIFAR10_TEST_FILE];
for (const [k, file] of batches.entries()) {
  const set = makeSyntheticCifar(10_000, `batch-${k}`);
  await writeCifarBatch(join(dir, file), set.pixels, set.labels);
}
console.log(`wrote ${batches.length} batches of 10,000 synthetic images to ${dir}`);
