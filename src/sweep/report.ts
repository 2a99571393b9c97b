import type { VegaLiteSpec as TopLevelSpec } from '../figure/spec-type.js';
import { NtpError } from '../errors.js';
import type { MetricValue, RunRecord } from './family.js';
import { canonicalJSON, type ConfigValue } from './spec.js';
import { readMeta, readRecords, readRunsLog, type RunLine } from './store.js';

/** Mean, sample standard deviation (n − 1; 0 for one value), min and max of the finite values. */
export interface Stats {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** One point of a band: a metric's statistics over runs at a record's stage and step. */
export interface SeriesPoint {
  /** the record's `stage` (null for families without stages) */
  stage: number | null;
  step: number;
  metrics: Record<string, Stats>;
}

/** The runs with one value of an axis. */
export interface AxisValueSummary {
  value: ConfigValue;
  runs: number;
  failed: number;
  /** statuses counted */
  statuses: Record<string, number>;
  /** final metrics over runs */
  final: Record<string, Stats>;
  /** every recorded metric over runs, per step */
  series: SeriesPoint[];
}

/** Runs grouped by the values of one option that varies in the sweep. */
export interface AxisSummary {
  /** the option, or `all` when only the seed (or nothing) varies */
  axis: string;
  values: AxisValueSummary[];
}

/** What `ntp sweep report` computes. */
export interface SweepReport {
  runs: number;
  failed: number;
  axes: AxisSummary[];
}

/** Statistics of the finite values (null when there are none). */
export function stats(xs: readonly MetricValue[]): Stats | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / n;
  // deviations from the mean, not sum of squares minus square of sum: no cancellation
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, min, max };
}

function statsOf(rows: readonly Record<string, MetricValue>[], skip: readonly string[]): Record<string, Stats> {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!skip.includes(k)) keys.add(k);
  const out: Record<string, Stats> = {};
  for (const k of keys) {
    const s = stats(rows.map((r) => r[k] ?? null));
    if (s) out[k] = s;
  }
  return out;
}

/**
 * Mean ± std, min and max over runs of the final metrics and of every recorded metric per step:
 * for an experiment that calls a family's `run` once per seed and reports the band.
 */
export function summarizeResults(results: ReadonlyArray<{ final: Record<string, MetricValue>; records: readonly RunRecord[] }>): { final: Record<string, Stats>; series: SeriesPoint[] } {
  const points = new Map<string, { stage: number | null; step: number; rows: RunRecord[] }>();
  for (const r of results) {
    for (const rec of r.records) {
      const stage = typeof rec.stage === 'number' ? rec.stage : null;
      const k = `${stage}:${rec.step}`;
      (points.get(k) ?? points.set(k, { stage, step: rec.step, rows: [] }).get(k))?.rows.push(rec);
    }
  }
  const series = [...points.values()]
    .sort((a, b) => (a.stage ?? 0) - (b.stage ?? 0) || a.step - b.step)
    .map((p) => ({ stage: p.stage, step: p.step, metrics: statsOf(p.rows, ['step', 'stage']) }));
  return { final: statsOf(results.map((r) => r.final), ['step', 'stage']), series };
}

/** The options whose values differ between runs, the seed aside (seeds are what a mean is taken over). */
export function varyingOptions(lines: readonly RunLine[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const l of lines) for (const [k, v] of Object.entries(l.config)) (values.get(k) ?? values.set(k, new Set()).get(k) as Set<string>).add(canonicalJSON(v));
  const present = (k: string) => lines.every((l) => Object.hasOwn(l.config, k));
  return [...values.keys()].filter((k) => k !== 'seed' && ((values.get(k) as Set<string>).size > 1 || !present(k)));
}

/** Groups runs by axis values and computes the statistics of their final metrics and records. */
export function summarizeRuns(lines: readonly RunLine[], records: ReadonlyMap<string, RunRecord[]>): SweepReport {
  const axes = varyingOptions(lines);
  const groupings: Array<{ axis: string; key: (l: RunLine) => ConfigValue }> = axes.length
    ? axes.map((axis) => ({ axis, key: (l: RunLine) => l.config[axis] ?? null }))
    : [{ axis: 'all', key: () => 'all runs' }];
  const summaries: AxisSummary[] = groupings.map(({ axis, key }) => {
    const groups = new Map<string, { value: ConfigValue; lines: RunLine[] }>();
    for (const l of lines) {
      const v = key(l);
      const k = canonicalJSON(v);
      (groups.get(k) ?? groups.set(k, { value: v, lines: [] }).get(k))?.lines.push(l);
    }
    const values = [...groups.values()].map(({ value, lines: ls }) => {
      const ok = ls.filter((l) => l.status !== 'failed');
      const statuses: Record<string, number> = {};
      for (const l of ls) statuses[l.status] = (statuses[l.status] ?? 0) + 1;
      const { final, series } = summarizeResults(ok.map((l) => ({ final: l.final, records: records.get(l.id) ?? [] })));
      return { value, runs: ls.length, failed: ls.length - ok.length, statuses, final, series };
    });
    return { axis, values };
  });
  return { runs: lines.length, failed: lines.filter((l) => l.status === 'failed').length, axes: summaries };
}

/** Reads a sweep directory (runs.jsonl and records) and summarizes it. */
export async function summarizeSweep(dir: string): Promise<SweepReport> {
  if (!(await readMeta(dir))) throw new NtpError('io', `${dir} is not a sweep directory (no sweep.json)`);
  // a run recorded twice (two `sweep run` into one directory at once) counts once
  const seen = new Set<string>();
  const lines = (await readRunsLog(dir)).lines.filter((l) => !seen.has(l.id) && seen.add(l.id));
  if (lines.length === 0) throw new NtpError('bad-runs', `${dir} holds no finished runs yet`);
  const records = new Map<string, RunRecord[]>();
  for (const l of lines) if (l.status !== 'failed') records.set(l.id, await readRecords(dir, l.id));
  return summarizeRuns(lines, records);
}

/** Smallest plotted value on a log axis (1 − cos reaches 0 in floating point). */
const LOG_FLOOR = 1e-16;

/**
 * A band figure of one metric over steps: per value of the axis, the mean as a line and mean ± std
 * (clipped to the observed min and max) as a band, one panel per stage. The loss is drawn on a log
 * axis, the cosine as 1 − cos on a log axis (as in Figure 2).
 */
export function bandFigureSpec(summary: AxisSummary, metric: string): TopLevelSpec | null {
  const oneMinusCos = metric === 'cosine';
  const log = metric === 'loss' || oneMinusCos;
  const rows: Array<{ value: string; stage: string; step: number; mean: number; lo: number; hi: number }> = [];
  for (const v of summary.values) {
    for (const p of v.series) {
      const s = p.metrics[metric];
      if (!s) continue;
      let mean = s.mean;
      let lo = Math.max(s.mean - s.std, s.min);
      let hi = Math.min(s.mean + s.std, s.max);
      if (oneMinusCos) [mean, lo, hi] = [1 - mean, 1 - hi, 1 - lo];
      if (log) {
        if (!(mean > 0) && !oneMinusCos) continue;
        [mean, lo, hi] = [mean, lo, hi].map((x) => Math.max(x, LOG_FLOOR)) as [number, number, number];
      }
      rows.push({ value: typeof v.value === 'string' ? v.value : canonicalJSON(v.value), stage: p.stage === null ? 'run' : `stage ${p.stage}`, step: p.step, mean, lo, hi });
    }
  }
  if (rows.length === 0) return null;
  const yTitle = oneMinusCos ? '1 − cos(W, W*)' : metric;
  const scale = log ? { type: 'log' as const } : { zero: false };
  const color = { field: 'value', type: 'nominal' as const, title: summary.axis };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${yTitle} over iterations by ${summary.axis}: mean ± std over runs`,
    data: { values: rows },
    facet: { column: { field: 'stage', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 180,
      layer: [
        { mark: { type: 'area', opacity: 0.25 }, encoding: { x: { field: 'step', type: 'quantitative', title: 'step' }, y: { field: 'lo', type: 'quantitative', scale, title: yTitle }, y2: { field: 'hi' }, color } },
        { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative', scale }, color } },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config: { background: 'white' },
  } as TopLevelSpec;
}

/** The metrics drawn as bands: every metric in the records. */
export function recordedMetrics(report: SweepReport): string[] {
  const keys = new Set<string>();
  for (const a of report.axes) for (const v of a.values) for (const p of v.series) for (const k of Object.keys(p.metrics)) keys.add(k);
  return [...keys];
}

/**
 * Renders the band figures of a report: one SVG per axis and metric, named `AXIS-METRIC.svg`.
 * Loads the charting libraries only here.
 */
export async function renderBandFigures(report: SweepReport): Promise<Array<{ name: string; svg: string }>> {
  const { renderVegaLiteSvg } = await import('../figure/svg.js');
  const out: Array<{ name: string; svg: string }> = [];
  for (const axis of report.axes) {
    for (const metric of recordedMetrics(report)) {
      const spec = bandFigureSpec(axis, metric);
      if (spec) out.push({ name: `${axis.axis.replace(/[^A-Za-z0-9_.-]/g, '_')}-${metric.replace(/[^A-Za-z0-9_.-]/g, '_')}.svg`, svg: await renderVegaLiteSvg(spec) });
    }
  }
  return out;
}

/** The report as text: final metrics, mean ± std [min, max], per axis value. */
export function reportText(report: SweepReport): string {
  const f = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4) || x === 0 ? x.toPrecision(4) : x.toExponential(3);
  const lines = [`${report.runs} runs, ${report.failed} failed`];
  for (const a of report.axes) {
    lines.push(``, `by ${a.axis}:`);
    for (const v of a.values) {
      const statuses = Object.entries(v.statuses).map(([s, n]) => `${n} ${s}`).join(', ');
      lines.push(`  ${a.axis} = ${typeof v.value === 'string' ? v.value : canonicalJSON(v.value)}: ${v.runs} runs (${statuses})`);
      for (const [m, s] of Object.entries(v.final)) lines.push(`    final ${m.padEnd(18)} ${f(s.mean)} ± ${f(s.std)}  [${f(s.min)}, ${f(s.max)}]  n = ${s.n}`);
    }
  }
  return lines.join('\n') + '\n';
}
