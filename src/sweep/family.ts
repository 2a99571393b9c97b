// The contract lives beside the families (src/tasks/family.ts), so that a family needs nothing
// from the sweep engine; the engine's own modules keep naming it here.
export type { MetricValue, RunRecord, RunResult, RunStatus, SweepFamily } from '../tasks/family.js';
export { endedStatus, RUN_STATUSES } from '../tasks/family.js';
