// Grouped bars: stages (e.g. 'before', 'after purification', 'after fine-tuning') × metrics
// (e.g. 'clean accuracy', 'attack success rate'), in percent, with the value printed on each bar.
import type { TopLevelSpec } from 'vega-lite';
import { PANEL, SERIES_PALETTE, distinctInOrder, titleBlock } from './style.ts';

export interface BarValue {
  /** x-axis group, e.g. 'after purification' */
  category: string;
  /** bar within the group, e.g. 'attack success rate' */
  metric: string;
  /** percent, 0..100 */
  value: number;
}

export interface BarsInput {
  title: string;
  /** One line, or several (an array is drawn one entry per line). */
  subtitle?: string | string[];
  bars: BarValue[];
  /** default: no axis title (the category labels speak for themselves) */
  xTitle?: string;
  /** default 'percent (%)' */
  yTitle?: string;
  /** Legend title, default 'metric'. */
  metricTitle?: string;
  /** default [0, 100] */
  yDomain?: [number, number];
  /** d3 format of the printed values, default '.1f' */
  valueFormat?: string;
  /** Longest category label in pixels before it is cut (default 160). */
  labelLimit?: number;
  /** Chart width in pixels (default the shared panel width). */
  width?: number;
}

export function barsSpec(input: BarsInput): TopLevelSpec {
  if (input.bars.length === 0) throw new Error('barsSpec: no bars');
  const categories = distinctInOrder(input.bars.map((b) => b.category));
  const metrics = distinctInOrder(input.bars.map((b) => b.metric));
  const metricTitle = input.metricTitle ?? 'metric';
  // Both layers share these encodings, so each label sits centred over its own bar.
  const encoding = {
    x: {
      field: 'category',
      type: 'nominal',
      sort: categories,
      title: input.xTitle ?? null,
      axis: { labelAngle: 0, labelLimit: input.labelLimit ?? 160 },
    },
    xOffset: { field: 'metric', type: 'nominal', sort: metrics },
    y: {
      field: 'value',
      type: 'quantitative',
      title: input.yTitle ?? 'percent (%)',
      scale: { domain: input.yDomain ?? [0, 100] },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(input.title, input.subtitle),
    ...PANEL,
    ...(input.width !== undefined ? { width: input.width } : {}),
    data: { values: input.bars },
    encoding,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          color: { field: 'metric', type: 'nominal', title: metricTitle, scale: { domain: metrics, range: SERIES_PALETTE } },
          tooltip: [
            { field: 'category', type: 'nominal', title: input.xTitle ?? 'stage' },
            { field: 'metric', type: 'nominal', title: metricTitle },
            { field: 'value', type: 'quantitative', title: 'value (%)', format: input.valueFormat ?? '.1f' },
          ],
        },
      },
      {
        mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 11 },
        encoding: { text: { field: 'value', type: 'quantitative', format: input.valueFormat ?? '.1f' } },
      },
    ],
  } as TopLevelSpec;
}
