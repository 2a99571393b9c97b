// `ntp cyclic`: the cyclic family's commands, derived from its definition.

import { runFamilyCli } from './family.js';
import { cyclicDefinition } from '../tasks/cyclic/definition.js';
import { type CliIO, processIO } from './io.js';

/** `ntp cyclic train --data FILE [options]`, `ntp cyclic experiment global [options]` */
export async function runCyclic(argv: string[], io: CliIO = processIO): Promise<number> {
  return runFamilyCli(cyclicDefinition, argv, io);
}
