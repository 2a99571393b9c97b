/**
 * The task families defined through the one-library contract, by CLI name, each loaded on first
 * use (so `ntp --help` loads none of them). The CLI, the docs and the tests iterate over this.
 */
import type { FamilyDefinition } from '../family/definition.js';

export const FAMILY_DEFINITIONS: Readonly<Record<string, () => Promise<FamilyDefinition>>> = {
  recall: async () => (await import('./recall/definition.js')).recallDefinition,
  autoregressive: async () => (await import('./autoregressive/definition.js')).autoregressiveDefinition,
};
