import { endedStatus, type RunResult, type SweepFamily } from '../family.js';
import { RUN_OPTIONS, resolveRecallRun, runRecall } from './run.js';

/** The recall family's single run for the sweep engine: a config is a {@link RecallRunOptions}. */
export const recallFamily: SweepFamily = {
  name: 'recall',
  options: RUN_OPTIONS,
  validate(config) {
    resolveRecallRun(config);
  },
  async run(config, every): Promise<RunResult> {
    const t = await runRecall({ ...config, every });
    return {
      status: endedStatus(t.status),
      final: { ...t.final },
      records: t.records.map((r) => ({ ...r })),
      extra: { label: t.label, bayesRisk: t.bayesRisk, gamma: t.gamma, alphaHat: t.alphaHat, warnings: t.warnings },
    };
  },
};
