/**
 * Planned memory of the factorized family's runs, from their options alone
 * (docs/theory/factorized.md): the instance, the training state and the local SVMs of one run, and
 * the records every run of an experiment leaves behind.
 */
import { planMemory } from '../../engine/plan.js';

const F64 = 8;
/** what one run's record of one recorded step holds in JSON-ready numbers (a generous bound) */
const RECORD_BYTES = 512;
/** what one instance's config and final values hold (a generous bound) */
const RUN_BYTES = 2048;

/** Sizes of one run: n samples of T tokens in dimension d, rank m of the (K, Q) factors. */
export interface RunSizes {
  n: number;
  T: number;
  d: number;
  m?: number;
}

/**
 * Bytes of one run: the instance (X, z, Y, the attention), W, K, Q and their gradients, and the
 * local SVMs over at most n(T − 1) constraints (their d×d pairs and their Gram matrix).
 */
export function runBytes(z: RunSizes): number {
  const { n, T, d } = z;
  const m = z.m ?? d;
  const constraints = n * (T - 1);
  return F64 * (n * T * d + n * d + n + 3 * n * T + 2 * d + T) + F64 * (8 * d * d + 4 * d * m) + F64 * (constraints * 2 * d + constraints * constraints + 4 * constraints);
}

/** Bytes of the local-convergence experiment: one run at a time per worker, every run's records kept. */
export function localConvergenceBytes(z: RunSizes & { runs: number; steps: number; every: number; workers?: number }): number {
  return Math.min(z.runs, z.workers ?? 1) * runBytes(z) + z.runs * (RUN_BYTES + (Math.floor(z.steps / z.every) + 1) * RECORD_BYTES);
}

/** Bytes of the rank study: its largest instance per worker, and every instance's config and result. */
export function rankStudyBytes(z: { ns: readonly number[]; Ts: readonly number[]; ds: readonly number[]; runs: number; workers?: number }): number {
  const grid = [...z.ns.map((n) => ({ n, T: 5 })), ...z.Ts.map((T) => ({ n: 5, T }))];
  let largest = 0;
  for (const g of grid) for (const d of z.ds) largest = Math.max(largest, runBytes({ n: g.n, T: g.T, d }));
  const instances = grid.length * z.ds.length * z.runs;
  return Math.min(instances, z.workers ?? 1) * largest + instances * RUN_BYTES;
}

/** Refuses a local-convergence experiment past the memory budget (NtpError 'too-large', naming the sizes). */
export function planLocalConvergence(z: Parameters<typeof localConvergenceBytes>[0]): void {
  planMemory({ name: 'factorized local', bytes: localConvergenceBytes(z), work: `n = ${z.n}, T = ${z.T}, d = ${z.d}, ${z.runs} runs of ${z.steps} steps recorded every ${z.every}` });
}

/** Refuses a rank study past the memory budget (NtpError 'too-large', naming the sizes). */
export function planRankStudy(z: Parameters<typeof rankStudyBytes>[0]): void {
  planMemory({ name: 'factorized rank', bytes: rankStudyBytes(z), work: `n ∈ {${z.ns.join(', ')}}, T ∈ {${z.Ts.join(', ')}}, d ∈ {${z.ds.join(', ')}}, ${z.runs} instances per point` });
}

/** The planned bytes of a run of this family, for an options schema: one `run`, the `local` experiment or the `rank` study. */
export function plannedBytes(kind: 'run' | 'local' | 'rank', options: RunSizes | Parameters<typeof localConvergenceBytes>[0] | Parameters<typeof rankStudyBytes>[0]): number {
  if (kind === 'run') return runBytes(options as RunSizes);
  if (kind === 'local') return localConvergenceBytes(options as Parameters<typeof localConvergenceBytes>[0]);
  return rankStudyBytes(options as Parameters<typeof rankStudyBytes>[0]);
}
