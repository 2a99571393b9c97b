/**
 * The typed API of a family, derived from its definition: `train(options)` (or
 * `train(dataset, options)`) and `experiment(name, options)`, both async. Options are typed from
 * the schema (a misspelled key fails `tsc`) and checked at run time (an NtpError naming it, with a
 * suggestion); the memory plan is checked before anything is allocated.
 * @module
 */
import { NtpError } from '../errors.js';
import { checkDatasetArgument } from '../dataset/validate.js';
import type { Dataset } from '../dataset/types.js';
import type { AnyCommand, CommandDefinition, RunContext } from './definition.js';
import { checkPlan } from './limits.js';
import { didYouMean, resolveOptions, type OptionsOf, type Schema } from './schema.js';

/** What an API call may pass besides options: a progress callback. */
export interface CallHooks {
  /** called as the run advances: `done` of `total` units (steps or runs), with the latest loss when there is one */
  onProgress?: (done: number, total: number, loss?: number) => void;
  /** called with each warning (they are also in the result where the result has `warnings`) */
  onWarning?: (message: string) => void;
}

/** What a command's run returns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResultOf<C> = C extends CommandDefinition<any, infer R> ? R : never;
/** A command's options schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SchemaOf<C> = C extends CommandDefinition<infer S, any> ? S : never;

/** Resolves, checks, plans and runs a command for an API caller. */
export async function callCommand<S extends Schema, R>(fn: string, c: CommandDefinition<S, R>, options: unknown, hooks: CallHooks = {}, dataset?: Dataset): Promise<R> {
  const o = resolveOptions(c.options, options, { fn });
  c.check?.(o, (k) => k, dataset);
  if (c.plan) checkPlan(c.plan(o, dataset), fn);
  const ctx: RunContext = {
    progress: (done, total, loss) => hooks.onProgress?.(done, total, loss),
    warn: (m) => hooks.onWarning?.(m),
    dataset,
  };
  return c.run(o, ctx);
}

/** `train(options)` of a family whose runs generate their own data. */
export function trainFunction<S extends Schema, R>(fn: string, c: CommandDefinition<S, R>): (options?: OptionsOf<S>, hooks?: CallHooks) => Promise<R> {
  return (options, hooks) => callCommand(fn, c, options, hooks);
}

/** `train(dataset, options)` of a family that trains on a user's dataset. */
export function trainOnDataFunction<S extends Schema, R>(fn: string, c: CommandDefinition<S, R>): (dataset: Dataset, options?: OptionsOf<S>, hooks?: CallHooks) => Promise<R> {
  return async (dataset, options, hooks) => {
    checkDatasetArgument(dataset); // a rejected promise, as every other refusal of the API
    return callCommand(fn, c, options, hooks, dataset);
  };
}

/** `experiment(name, options)`: the options and the result are typed per experiment. */
export function experimentFunction<E extends Readonly<Record<string, AnyCommand>>>(family: string, experiments: E) {
  return <N extends keyof E & string>(name: N, options?: OptionsOf<SchemaOf<E[N]>>, hooks?: CallHooks): Promise<ResultOf<E[N]>> => {
    const names = Object.keys(experiments);
    if (typeof name !== 'string' || !Object.hasOwn(experiments, name)) {
      return Promise.reject(new NtpError('invalid-option', `unknown experiment ${JSON.stringify(name)} of ${family}${typeof name === 'string' ? didYouMean(name, names) : ''}; one of ${names.join(', ')}`));
    }
    return callCommand(`${family}.experiment(${JSON.stringify(name)})`, experiments[name], options, hooks) as Promise<ResultOf<E[N]>>;
  };
}
