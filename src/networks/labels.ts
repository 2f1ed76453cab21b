/** How the practical kinds' figures name what they show: field titles, data set names, and the split of rows into figures. */
import { splitRows, type RowPart } from '../report/figures/split.ts';
import type { BaseFields } from './records.ts';

/** Titles of the summary fields the practical figures put on axes, panels and labels. */
export const FIELD_TITLES: Readonly<Record<string, string>> = {
  variant: 'variant',
  solver: 'solver',
  network: 'network',
  dataset: 'data set',
  train_samples: 'training inputs',
  subspace_inputs: 'benign inputs n',
  poison_rate: 'poison rate',
  sweep: 'sweep',
  n_over_m: 'n/m (benign inputs per coordinate of a row)',
};

/** Fields that identify a cell of a practical or backdoor sweep. */
const SPLIT_FIELDS = ['dataset', 'network', 'variant', 'solver', 'train_samples', 'subspace_inputs', 'poison_rate'] as const;

type CellIdentity = Pick<BaseFields, 'dataset' | 'network' | 'variant' | 'solver' | 'train_samples' | 'subspace_inputs'> & { readonly poison_rate?: number };

/** Rows split by the identifying fields that vary (other than the figure's `axes`), each part labelled by its values. */
export function splitByCell<R extends CellIdentity>(rows: readonly R[], axes: readonly string[]): RowPart<R>[] {
  const fields = SPLIT_FIELDS.filter((f) => !axes.includes(f));
  return splitRows(rows, fields, (f) => FIELD_TITLES[f] ?? f);
}

export function datasetName(dataset: string): string {
  return dataset === 'cifar10' ? 'CIFAR-10' : dataset === 'fashion-mnist' ? 'Fashion-MNIST' : 'MNIST';
}
