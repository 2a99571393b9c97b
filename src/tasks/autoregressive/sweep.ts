/**
 * The autoregressive family's single training run as a SweepFamily, derived from its definition:
 * config → status, final metrics and records, deterministic from the seed.
 */
import type { SweepFamily } from '../../family/sweep-family.js';
import { sweepFamilyOf } from '../../family/sweep-adapter.js';
import { autoregressiveDefinition } from './definition.js';

export const autoregressiveFamily: SweepFamily = sweepFamilyOf(autoregressiveDefinition);
