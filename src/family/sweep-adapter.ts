/**
 * A family's one run as the sweep engine sees it, derived from its definition: the options a
 * config may hold are the schema's keys, `validate` resolves, checks and plans a config (so a run
 * that would not fit is refused before the sweep starts), `run` trains and reads the result
 * through the command's `sweep` view.
 * @module
 */
import { NtpError } from '../errors.js';
import type { RunResult, SweepFamily } from './sweep-family.js';
import type { AnyCommand, FamilyDefinition } from './definition.js';
import { checkPlan } from './limits.js';
import { resolveOptions } from './schema.js';

function resolved(name: string, c: AnyCommand, config: Readonly<Record<string, unknown>>) {
  const o = resolveOptions(c.options, config, { fn: `a ${name} run` });
  c.check?.(o, (k) => k);
  if (c.plan) checkPlan(c.plan(o), `a ${name} run`);
  return o;
}

/** The SweepFamily of a family whose `train` command has a `sweep` view. */
export function sweepFamilyOf(f: FamilyDefinition): SweepFamily {
  const c = f.train;
  const view = c.sweep;
  if (!view) throw new NtpError('bad-family', `the family ${f.name} has no sweep view on its train command`);
  return {
    name: f.name,
    options: Object.keys(c.options),
    validate(config) {
      resolved(f.name, c, config);
    },
    async run(config, every): Promise<RunResult> {
      const o = resolved(f.name, c, view.every ? { ...config, [view.every]: every } : config);
      const r = await c.run(o, { progress() {}, warn() {} });
      return { status: view.status(r), final: view.final(r), records: view.records(r), ...(view.extra ? { extra: view.extra(r) } : {}) };
    },
  };
}
