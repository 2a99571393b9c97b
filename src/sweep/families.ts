import { NtpError } from '../errors.js';
import type { SweepFamily } from '../family/sweep-family.js';

/**
 * The task families a sweep file may name in `family`, by name, each loaded when a sweep starts.
 * Registering a family is one line here, loading its `SweepFamily` from
 * `src/tasks/<family>/sweep.ts`, e.g.
 * `cyclic: async () => (await import('../tasks/cyclic/sweep.js')).cyclicFamily,`
 */
export const FAMILIES: Readonly<Record<string, () => Promise<SweepFamily>>> = {
  ntp: async () => (await import('./ntp.js')).ntpFamily,
  cyclic: async () => (await import('../tasks/cyclic/sweep.js')).cyclicFamily,
  factorized: async () => (await import('../tasks/factorized/sweep.js')).factorizedFamily,
  recall: async () => (await import('../tasks/recall/sweep.js')).recallFamily,
  autoregressive: async () => (await import('../tasks/autoregressive/sweep.js')).autoregressiveFamily,
  'factorized-rank': async () => (await import('../tasks/factorized/rank-sweep.js')).factorizedRankFamily,
};

/** The family a sweep uses when its configs name none: the core paper's Algorithm 1. */
export const DEFAULT_FAMILY = 'ntp';

/**
 * The registry plus the families of extra modules (each exporting `family`, a SweepFamily, or
 * a default export): a user's own family runs in a sweep without changing the package.
 * `modules` are file paths or URLs; the worker threads import the same modules.
 */
export async function loadFamilies(modules: readonly string[] = []): Promise<Map<string, SweepFamily>> {
  const map = new Map<string, SweepFamily>();
  for (const [name, load] of Object.entries(FAMILIES)) {
    const f = await load();
    if (f.name !== name) throw new Error(`the family registered as ${name} calls itself ${f.name}`);
    map.set(name, f);
  }
  for (const spec of modules) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(spec)) as Record<string, unknown>;
    } catch (e) {
      throw new NtpError('bad-family', `cannot load the family module ${JSON.stringify(spec)}: ${(e as Error).message}`);
    }
    // a module may export a whole family definition (the one-library contract) instead of a SweepFamily
    const def = mod.definition as import('../family/definition.js').FamilyDefinition | undefined;
    const f = (def && typeof def === 'object' && def.train?.sweep ? (await import('../family/sweep-adapter.js')).sweepFamilyOf(def) : (mod.family ?? mod.default)) as SweepFamily | undefined;
    if (!f || typeof f.name !== 'string' || typeof f.run !== 'function' || typeof f.validate !== 'function' || !Array.isArray(f.options)) {
      throw new NtpError('bad-family', `the module ${JSON.stringify(spec)} exports no SweepFamily as "family" or default`);
    }
    if (map.has(f.name)) throw new NtpError('bad-family', `the module ${JSON.stringify(spec)} defines the family ${JSON.stringify(f.name)}, which is already registered`);
    map.set(f.name, f);
  }
  return map;
}

/**
 * One family by name: a registered one alone (no other family's code is loaded, so a worker
 * imports what its runs need), else the one an extra module defines; undefined when none does.
 */
export async function loadFamily(name: string, modules: readonly string[] = []): Promise<SweepFamily | undefined> {
  const load = Object.hasOwn(FAMILIES, name) ? FAMILIES[name] : undefined;
  if (load) return load();
  return (await loadFamilies(modules)).get(name);
}
