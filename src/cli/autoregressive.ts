// `ntp autoregressive`: the autoregressive family's commands, derived from its definition.

import { runFamilyCli } from './family.js';
import { autoregressiveDefinition } from '../tasks/autoregressive/definition.js';
import { type CliIO, processIO } from './io.js';

/** `ntp autoregressive train|reference|experiment c1…c4 [options]` */
export async function runAutoregressive(argv: string[], io: CliIO = processIO): Promise<number> {
  return runFamilyCli(autoregressiveDefinition, argv, io);
}
