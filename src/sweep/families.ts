import { NtpError } from '../errors.js';
import type { SweepFamily } from './family.js';
import { ntpFamily } from './ntp.js';

/**
 * The task families a sweep file may name in `family`, the first one the default. Registering a
 * family is one line here: its `SweepFamily` from `src/tasks/<family>/sweep.ts`.
 */
export const FAMILIES: readonly SweepFamily[] = [
  ntpFamily,
];

/** The family a sweep uses when its configs name none. */
export const DEFAULT_FAMILY = FAMILIES[0].name;

/**
 * The registry plus the families of extra modules (each exporting `family`, a SweepFamily, or
 * a default export): a user's own family runs in a sweep without changing the package.
 * `modules` are file paths or URLs; the worker threads import the same modules.
 */
export async function loadFamilies(modules: readonly string[] = []): Promise<Map<string, SweepFamily>> {
  const map = new Map<string, SweepFamily>(FAMILIES.map((f) => [f.name, f]));
  for (const spec of modules) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(spec)) as Record<string, unknown>;
    } catch (e) {
      throw new NtpError('bad-family', `cannot load the family module ${JSON.stringify(spec)}: ${(e as Error).message}`);
    }
    const f = (mod.family ?? mod.default) as SweepFamily | undefined;
    if (!f || typeof f.name !== 'string' || typeof f.run !== 'function' || typeof f.validate !== 'function' || !Array.isArray(f.options)) {
      throw new NtpError('bad-family', `the module ${JSON.stringify(spec)} exports no SweepFamily as "family" or default`);
    }
    map.set(f.name, f);
  }
  return map;
}
