// `ntp factorized`: the factorized family's commands, derived from its definition.

import { runFamilyCli } from './family.js';
import { factorizedDefinition } from '../tasks/factorized/definition.js';
import { type CliIO, processIO } from './io.js';

/** `ntp factorized train|experiment local|rank [options]` */
export async function runFactorized(argv: string[], io: CliIO = processIO): Promise<number> {
  return runFamilyCli(factorizedDefinition, argv, io);
}
