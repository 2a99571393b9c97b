import { parseDataset } from '../dataset/format.js';
import { generateRealizable, resolveGenerateOptions } from '../dataset/random.js';
import type { Dataset } from '../dataset/types.js';
import { NtpError } from '../errors.js';
import { readTextFile } from '../io/files.js';
import { refuseTooLarge } from '../engine/limits.js';
import { resolveTrainOptions } from '../train/options.js';
import { train, type TrainResult } from '../train/run.js';
import type { Stage1Record } from '../train/trainer.js';
import type { MetricValue, RunRecord, RunResult, RunStatus, SweepFamily } from '../family/sweep-family.js';

/** The options of an `ntp` run: `train()`'s, plus `vocab` and `seed` of the generated dataset, or `data`. */
export const NTP_OPTIONS = ['vocab', 'seed', 'data', 't0', 't1', 'eta0', 'eta1', 'algorithm', 'backend', 'precision', 'embedding', 'd'] as const;

const CHOICES: Record<string, readonly string[]> = {
  algorithm: ['two-stage', 'gd', 'joint'],
  backend: ['wasm', 'js'],
  precision: ['f64', 'f32'],
  embedding: ['onehot', 'orthonormal', 'gaussian'],
};

function bad(message: string): never {
  throw new NtpError('invalid-option', message);
}

function checkNtpConfig(c: Readonly<Record<string, unknown>>): void {
  for (const key of ['vocab', 'seed', 't0', 't1', 'd'] as const) {
    const v = c[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v))) bad(`option ${key} must be an integer (got ${JSON.stringify(v)})`);
  }
  for (const key of ['eta0', 'eta1'] as const) {
    const v = c[key];
    if (v !== undefined && typeof v !== 'number') bad(`option ${key} must be a number (got ${JSON.stringify(v)})`);
  }
  for (const [key, allowed] of Object.entries(CHOICES)) {
    const v = c[key];
    if (v !== undefined && !(typeof v === 'string' && allowed.includes(v))) bad(`option ${key} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  }
  if (c.data !== undefined) {
    if (typeof c.data !== 'string' || c.data === '') bad(`option data must be a dataset file's path (got ${JSON.stringify(c.data)})`);
    if (c.vocab !== undefined) bad('option vocab applies to the generated dataset only; it cannot be used with data');
  } else {
    resolveGenerateOptions({ vocab: c.vocab as number | undefined, seed: c.seed as number | undefined });
  }
  // d is not known before the dataset is read; eta defaults depend on it, given values do not
  resolveTrainOptions({ t0: c.t0 as number | undefined, t1: c.t1 as number | undefined, eta0: c.eta0 as number | undefined, eta1: c.eta1 as number | undefined }, 1);
  if (c.d !== undefined) {
    // a given d sizes the |V|×d embedding and weights and the d×d ones (|V| of a data file is
    // checked when it is read; the engine checks the whole model again before allocating)
    const V = typeof c.data === 'string' ? 1 : ((c.vocab as number | undefined) ?? 20);
    const d = c.d as number;
    refuseTooLarge("this run's arrays", 8 * (4 * V * d + 4 * d * d), `${typeof c.data === 'string' ? '' : `vocab = ${V}, `}d = ${d}`);
  }
}

/**
 * The dataset and `train()` options of a config, built exactly as `ntp train` builds them from
 * its flags (a generated dataset from `vocab` and `seed`, both defaulting as there), so a sweep
 * run reproduces `ntp train --vocab V --seed S …`.
 */
export async function ntpTrainInputs(c: Readonly<Record<string, unknown>>): Promise<{ dataset: Dataset; options: Record<string, unknown> }> {
  const seed = (c.seed as number | undefined) ?? 1;
  const dataset = typeof c.data === 'string' ? parseDataset(await readTextFile(c.data)) : generateRealizable({ vocab: (c.vocab as number | undefined) ?? 20, seed });
  const options: Record<string, unknown> = { seed };
  for (const key of ['t0', 't1', 'eta0', 'eta1', 'algorithm', 'backend', 'precision', 'embedding', 'd']) if (c[key] !== undefined) options[key] = c[key];
  return { dataset, options };
}

function stageRecords(stage: 1 | 2, records: readonly Stage1Record[]): RunRecord[] {
  return records.map((r) => ({ stage, ...(r as unknown as Record<string, MetricValue>), step: r.step }));
}

/** How a run ended: the first stage that stopped early names it, else `completed`. */
function runStatus(r: TrainResult): RunStatus {
  for (const o of [r.outcome.stage1, r.outcome.stage2]) if (o && o.status !== 'completed') return o.status;
  return 'completed';
}

/** The core family: one run of Algorithm 1 (or a baseline) on a generated or given dataset. */
export const ntpFamily: SweepFamily = {
  name: 'ntp',
  options: NTP_OPTIONS,
  validate: checkNtpConfig,
  async run(config, every) {
    checkNtpConfig(config);
    const { dataset, options } = await ntpTrainInputs(config);
    // a sweep already runs one run per core: each run keeps to one thread
    const r = await train(dataset, { threads: 1, ...options, every });
    const last = r.stage2.length ? r.stage2[r.stage2.length - 1] : r.stage1[r.stage1.length - 1];
    const result: RunResult = {
      status: runStatus(r),
      final: last ? { ...(last as unknown as Record<string, MetricValue>) } : {},
      records: [...stageRecords(1, r.stage1), ...stageRecords(2, r.stage2)],
      extra: {
        rates: r.rates,
        outcome: r.outcome,
        warnings: r.warnings,
        generalization: r.generalization ? { accuracy: r.generalization.accuracy, rankingHolds: r.generalization.rankingHolds } : null,
      },
    };
    return result;
  },
};
