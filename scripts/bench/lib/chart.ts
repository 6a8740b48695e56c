// One SVG chart per bench, drawn by vega-lite (spec) and vega (headless SVG renderer): the main
// metric (the bench's first) round by round, one bar per subject, the median ratios in the title.
// The data is inline and the loader refuses everything, so rendering never touches the network;
// text is measured by vega's built-in estimate (no canvas, no font files).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { num, ratioText } from './report.ts';
import type { BenchResult } from './result.ts';

export interface ChartPoint {
  readonly round: number;
  readonly subject: string;
  readonly value: number;
}

/** The main metric's per-round values, subjects in the bench's order; rounds without it are left out. */
export function chartPoints(result: BenchResult): ChartPoint[] {
  const metric = result.metrics[0]?.name;
  if (metric === undefined) return [];
  return result.subjects.flatMap((subject) =>
    result.rounds.filter((r) => r.subject === subject && Number.isFinite(num(r.figures[metric]))).map((r) => ({ round: r.round, subject, value: num(r.figures[metric]) })),
  );
}

export function chartSpec(result: BenchResult): TopLevelSpec {
  const metric = result.metrics[0];
  const label = metric === undefined ? 'no metric' : `${metric.label ?? metric.name} (${metric.unit}, ${metric.better} is better)`;
  const ratios = result.ratios.filter((r) => r.metric === metric?.name && r.perRound.length > 0).map(ratioText);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${result.bench}: ${label}`, subtitle: ratios.length > 0 ? ratios.map((r) => `median ratio per round (range): ${r}`) : 'no pairs', anchor: 'start' },
    background: 'white',
    data: { values: chartPoints(result) as unknown as Record<string, unknown>[] },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'round', type: 'ordinal', title: 'round', axis: { labelAngle: 0 } },
      xOffset: { field: 'subject', sort: [...result.subjects] },
      y: { field: 'value', type: 'quantitative', title: metric === undefined ? '' : `${metric.label ?? metric.name} (${metric.unit})` },
      color: { field: 'subject', type: 'nominal', sort: [...result.subjects], title: 'subject' },
    },
    // With xOffset the step is one bar's: a round's group is as wide as its subjects.
    width: { step: 14 },
    height: 220,
  };
}

const offline = {
  load: () => Promise.reject(new Error('the bench report renders offline')),
  sanitize: () => Promise.reject(new Error('the bench report renders offline')),
  http: () => Promise.reject(new Error('the bench report renders offline')),
  file: () => Promise.reject(new Error('the bench report renders offline')),
};

export async function chartSvg(result: BenchResult): Promise<string> {
  const view = new vega.View(vega.parse(compile(chartSpec(result)).spec), { renderer: 'none', loader: offline as unknown as vega.Loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
