// `ntp recall`: the recall family's commands, derived from its definition.

import { runFamilyCli } from './family.js';
import { recallDefinition } from '../tasks/recall/definition.js';
import { type CliIO, processIO } from './io.js';

/** `ntp recall train|experiment NAME [options]` */
export async function runRecallCli(argv: string[], io: CliIO = processIO): Promise<number> {
  return runFamilyCli(recallDefinition, argv, io);
}
