// The recall family (Nguyen & Nguyen-Tang 2025) in the lab: in-context recall with a noise token,
// the held-out loss against the Bayes risk h(α), docs/theory/recall.md. The lab's only contact
// with the family's API: the page and family-worker.ts import this module.
import { recall } from 'ntp-dynamics';
import type { TopLevelSpec } from 'vega-lite';
import type { RunHooks } from '../family-protocol.js';

export type RecallSettings = recall.RecallRunOptions;
export type RecallRecord = recall.RecallRecord;
export type RecallResult = recall.RecallTrajectory;

const COMMON = { vocab: 60, context: 24, batch: 32, eta: 0.1, every: 10, evalSize: 256, testSize: 128, backend: 'wasm', precision: 'f64' } as const;

/** Built-in configurations: what each shows about the loss and h(α). */
export const EXAMPLES: Readonly<Record<string, { label: string; settings: RecallSettings }>> = {
  'reparam-linear-fa': { label: 'Reparam-Linear-FA, α = 0.5: reaches h(α) = ln 2', settings: { ...COMMON, model: 'reparam', attention: 'linear', kappa: 1, alpha: 0.5, steps: 200 } },
  'reparam-linear-fa-noiseless': { label: 'Reparam-Linear-FA, α = 0: the loss goes to 0', settings: { ...COMMON, model: 'reparam', attention: 'linear', kappa: 1, alpha: 0, steps: 200 } },
  'reparam-softmax-fa': { label: 'Reparam-Softmax-FA, α = 0.5: stops above h(α)', settings: { ...COMMON, model: 'reparam', attention: 'softmax', kappa: 1, alpha: 0.5, steps: 400 } },
  'origin-relu-fa': { label: 'Origin-ReLU-FA, α = 0.3: W, V, F all train', settings: { ...COMMON, model: 'origin', attention: 'relu', kappa: 1, alpha: 0.3, steps: 400 } },
};

export const DEFAULT_EXAMPLE = 'reparam-linear-fa';

/** The run's resolved options, its name in the paper and its Bayes risk h(α); throws NtpError naming a bad option. */
export function describe(s: RecallSettings): { label: string; bayesRisk: number; steps: number; config: recall.ResolvedRecallRun } {
  const config = recall.resolveRecallRun(s);
  return { label: recall.modelLabel(config.model, config.attention, config.kappa), bayesRisk: recall.binaryEntropy(config.alpha), steps: config.steps, config };
}

/** A trajectory with no records yet, which the page fills from the worker's records as they come. */
export function emptyTrajectory(s: RecallSettings): RecallResult {
  const { label, bayesRisk, config } = describe(s);
  return { label, config, bayesRisk, records: [] } as unknown as RecallResult;
}

/** The family's own figure of a run (losses with the h(α) line), from the records so far. */
export function spec(t: RecallResult): TopLevelSpec {
  return recall.runSpec(t) as unknown as TopLevelSpec;
}

/** Trains one configuration; the run pauses at a record when the page asks. */
export async function run(s: RecallSettings, hooks: RunHooks<RecallRecord>): Promise<RecallResult> {
  return recall.runRecall(s, (r) => {
    hooks.record(r);
    hooks.checkpoint();
    return true;
  });
}
