/** How the practical kinds' figures name what they show: field titles, data set names, and the split of rows into figures. */
import type { TopLevelSpec } from 'vega-lite';
import { barsSpec, type BarValue } from '../report/figures/bars.ts';
import { splitRows, type RowPart } from '../report/figures/split.ts';
import { PANEL } from '../report/figures/style.ts';
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

/**
 * Grouped bars of a backdoor figure (clean accuracy and attack success rate per network or defence), with room for
 * every category label at angle 0 (the shared default width cuts them off; vega estimates text width without a
 * canvas, ≈ 0.8 em per character): `perCategory` pixels each.
 */
export function backdoorBarsSpec(title: string, subtitle: string[], bars: BarValue[], perCategory: number): TopLevelSpec {
  const categories = new Set(bars.map((b) => b.category)).size;
  return barsSpec({ title, subtitle, bars, metricTitle: 'metric', labelLimit: 300, width: Math.max(PANEL.width, perCategory * categories) });
}
