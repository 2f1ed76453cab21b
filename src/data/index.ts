/** One entry point for the practical experiments' real data sets. */
import { loadCifar10, type CifarOptions } from './cifar.ts';
import type { ImageSplit } from './dataset.ts';
import { loadFashionMnist } from './fashion.ts';
import { loadMnist } from './mnist.ts';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/**
 * `dir` (config key data.dir) overrides where the files are: for MNIST and Fashion-MNIST a folder with the four
 * IDX files, for CIFAR-10 see cifar.ts. The other fields only matter for CIFAR-10.
 */
export type DatasetOptions = CifarOptions;

export async function loadDataset(name: DatasetName, opts: DatasetOptions = {}): Promise<ImageSplit> {
  switch (name) {
    case 'mnist':
      return loadMnist({ dir: opts.dir });
    case 'fashion-mnist':
      return loadFashionMnist({ dir: opts.dir });
    case 'cifar10':
      return loadCifar10(opts);
    default:
      throw new RangeError(`unknown data set '${String(name satisfies never)}'; known: ${DATASET_NAMES.join(', ')}`);
  }
}

export * from './dataset.ts';
export { loadMnist, mnistPackageDir, MNIST_CLASSES } from './mnist.ts';
export { loadFashionMnist, FASHION_CLASSES } from './fashion.ts';
export { loadCifar10, CIFAR10_CLASSES, CIFAR10_URL, CIFAR10_MD5, CIFAR10_ENV, defaultCifarCacheDir, type CifarOptions } from './cifar.ts';
