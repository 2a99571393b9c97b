import type { SweepFamily } from '../../family/sweep-family.js';
import { sweepFamilyOf } from '../../family/sweep-adapter.js';
import { recallDefinition } from './definition.js';

/** The recall family's single run for the sweep engine, derived from its definition: a config is a {@link RecallRunOptions}. */
export const recallFamily: SweepFamily = sweepFamilyOf(recallDefinition);
