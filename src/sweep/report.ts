import type { VegaLiteSpec as TopLevelSpec } from '../figure/spec-type.js';
import { NtpError } from '../errors.js';
import { STEP_AXIS, seriesEncoding, themed } from '../figure/theme.js';
import type { MetricValue, RunRecord } from '../family/sweep-family.js';
import { canonicalJSON, type ConfigValue } from './spec.js';
import { readMeta, readRecords, readRunsLog, type RunLine } from './store.js';
import { stringArg } from '../api/arguments.js';

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

/** The runs of one config, seeds aside: the unit a mean ± std is taken over. */
export interface GroupSummary {
  /** every option of the runs but the seed, `default` where a run leaves it unset */
  config: Record<string, ConfigValue>;
  /** runs in the group (failed ones included) */
  n: number;
  /** of which failed */
  failed: number;
  /** statuses counted */
  statuses: Record<string, number>;
  /** final metrics over the group's runs */
  final: Record<string, Stats>;
  /** every recorded metric over the group's runs, per stage and step */
  series: SeriesPoint[];
}

/** What `ntp sweep report` computes (and `--json` prints). */
export interface SweepReport {
  runs: number;
  failed: number;
  /** the options whose value differs between groups, in the order they first appear */
  varying: string[];
  /** one group per distinct config minus the seed, in the order of their first run */
  groups: GroupSummary[];
}

/** How a report shows an option a run leaves unset (its family's default applies). */
export const UNSET = 'default';

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

/**
 * Groups runs by their whole config minus the seed (a vocab × algorithm grid over seeds gives
 * one group per vocab and algorithm, never one averaging two algorithms) and computes the
 * statistics of each group's final metrics and records.
 */
export function summarizeRuns(lines: readonly RunLine[], records: ReadonlyMap<string, RunRecord[]>): SweepReport {
  const options: string[] = [];
  for (const l of lines) for (const k of Object.keys(l.config)) if (k !== 'seed' && !options.includes(k)) options.push(k);
  const groups = new Map<string, { config: Record<string, ConfigValue>; lines: RunLine[] }>();
  for (const l of lines) {
    const config: Record<string, ConfigValue> = {};
    for (const k of options) config[k] = Object.hasOwn(l.config, k) ? l.config[k] : UNSET;
    const key = canonicalJSON(config);
    (groups.get(key) ?? groups.set(key, { config, lines: [] }).get(key))?.lines.push(l);
  }
  const summaries = [...groups.values()].map(({ config, lines: ls }): GroupSummary => {
    const ok = ls.filter((l) => l.status !== 'failed');
    const statuses: Record<string, number> = {};
    for (const l of ls) statuses[l.status] = (statuses[l.status] ?? 0) + 1;
    const { final, series } = summarizeResults(ok.map((l) => ({ final: l.final, records: records.get(l.id) ?? [] })));
    return { config, n: ls.length, failed: ls.length - ok.length, statuses, final, series };
  });
  const varying = options.filter((k) => new Set(summaries.map((g) => canonicalJSON(g.config[k]))).size > 1);
  return { runs: lines.length, failed: lines.filter((l) => l.status === 'failed').length, varying, groups: summaries };
}

/** A group's name in text and figures: its varying options, `k = v, …` (`all runs` when none vary). */
export function groupLabel(report: Pick<SweepReport, 'varying'>, g: GroupSummary): string {
  if (report.varying.length === 0) return 'all runs';
  return report.varying.map((k) => `${k} = ${typeof g.config[k] === 'string' ? g.config[k] : canonicalJSON(g.config[k])}`).join(', ');
}

/** Reads a sweep directory (runs.jsonl and records) and summarizes it. */
export async function summarizeSweep(dir: string): Promise<SweepReport> {
  stringArg(dir, 'summarizeSweep(dir): dir');
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
 * A band figure of one metric over steps: per group, the mean as a line and mean ± std (clipped
 * to the observed min and max) as a band, one panel per stage. The loss is drawn on a log axis,
 * the cosine as 1 − cos on a log axis (as in Figure 2).
 */
export function bandFigureSpec(report: Pick<SweepReport, 'varying' | 'groups'>, metric: string): TopLevelSpec | null {
  const oneMinusCos = metric === 'cosine';
  const log = metric === 'loss' || oneMinusCos;
  const rows: Array<{ group: string; stage: string; step: number; mean: number; lo: number; hi: number }> = [];
  for (const g of report.groups) {
    const group = groupLabel(report, g);
    for (const p of g.series) {
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
      rows.push({ group, stage: p.stage === null ? 'run' : `stage ${p.stage}`, step: p.step, mean, lo, hi });
    }
  }
  if (rows.length === 0) return null;
  const yTitle = oneMinusCos ? '1 − cos(W, W*)' : metric;
  const scale = log ? { type: 'log' as const } : { zero: false };
  const by = report.varying.length ? report.varying.join(', ') : 'all runs';
  // the house theme: series in natural order, told apart by colour and (on the mean line) dash
  const { color, strokeDash } = seriesEncoding('group', rows.map((r) => r.group), by);
  const x = { field: 'step', type: 'quantitative' as const, title: STEP_AXIS };
  return themed({
    data: { values: rows },
    facet: { column: { field: 'stage', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 180,
      encoding: { x, color },
      layer: [
        { mark: { type: 'area', opacity: 0.25 }, encoding: { y: { field: 'lo', type: 'quantitative', scale, title: yTitle }, y2: { field: 'hi' } } },
        { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { y: { field: 'mean', type: 'quantitative', scale }, strokeDash } },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  }, `${yTitle} over steps by ${by}`, 'mean ± std over seeds') as TopLevelSpec;
}

export function recordedMetrics(report: SweepReport): string[] {
  const keys = new Set<string>();
  for (const g of report.groups) for (const p of g.series) for (const k of Object.keys(p.metrics)) keys.add(k);
  return [...keys];
}

/** A figure file of a report: `METRIC.svg`, or `METRIC.vl.json` (its Vega-Lite spec) without the charting packages. */
export interface ReportFigure {
  name: string;
  content: string;
}

/**
 * The band figures of a report, one per recorded metric: SVG when the optional packages vega and
 * vega-lite are installed (loaded only here), else each figure's Vega-Lite spec as
 * `METRIC.vl.json` with `missingPeer` set, so a report never fails for want of a chart library.
 */
export async function renderBandFigures(report: SweepReport): Promise<{ figures: ReportFigure[]; missingPeer: boolean }> {
  const specs: Array<{ base: string; spec: TopLevelSpec }> = [];
  for (const metric of recordedMetrics(report)) {
    const spec = bandFigureSpec(report, metric);
    if (spec) specs.push({ base: metric.replace(/[^A-Za-z0-9_.-]/g, '_'), spec });
  }
  if (specs.length === 0) return { figures: [], missingPeer: false };
  const { renderVegaLiteSvg } = await import('../figure/svg.js');
  const figures: ReportFigure[] = [];
  for (const s of specs) {
    try {
      figures.push({ name: `${s.base}.svg`, content: await renderVegaLiteSvg(s.spec) });
    } catch (e) {
      if (!(e instanceof NtpError && e.code === 'missing-peer')) throw e;
      return { figures: specs.map((x) => ({ name: `${x.base}.vl.json`, content: JSON.stringify(x.spec) + '\n' })), missingPeer: true };
    }
  }
  return { figures, missingPeer: false };
}

/** The report as text: per group (its varying options), final metrics, mean ± std [min, max]. */
export function reportText(report: SweepReport): string {
  const f = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4) || x === 0 ? x.toPrecision(4) : x.toExponential(3);
  const lines = [`${report.runs} runs, ${report.failed} failed, ${report.groups.length} ${report.groups.length === 1 ? 'group' : 'groups'}${report.varying.length ? ` by ${report.varying.join(', ')}` : ''} (seeds pooled)`];
  for (const g of report.groups) {
    const statuses = Object.entries(g.statuses).map(([s, n]) => `${n} ${s}`).join(', ');
    lines.push(``, `${groupLabel(report, g)}: ${g.n} runs (${statuses})`);
    for (const [m, s] of Object.entries(g.final)) lines.push(`  final ${m.padEnd(18)} ${f(s.mean)} ± ${f(s.std)}  [${f(s.min)}, ${f(s.max)}]  n = ${s.n}`);
  }
  return lines.join('\n') + '\n';
}
