import { NtpError } from '../errors.js';
import { didYouMean } from '../did-you-mean.js';

/**
 * Checks an options object handed to a public function: undefined or a plain object whose keys
 * are all known. A misspelled key (`{ tO: 5 }`) would otherwise be ignored and the default run
 * silently, so it is an NtpError naming the key and the nearest known one.
 */
export function checkOptionKeys(opts: unknown, allowed: readonly string[], fn: string): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new NtpError('invalid-option', `the options of ${fn} must be an object (got ${opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts})`);
  }
  for (const key of Object.keys(opts)) {
    if (allowed.includes(key)) continue;
    const hint = didYouMean(key, allowed);
    throw new NtpError('invalid-option', `unknown option ${JSON.stringify(key)} of ${fn}${hint}; known options: ${allowed.join(', ')}`);
  }
}

/** Option names of createModel / createEngineModel (EngineOptions). */
export const ENGINE_OPTION_KEYS = ['backend', 'precision', 'embedding', 'd', 'seed', 'threads', 'space'] as const;
/** Option names of Trainer.create (TrainerOptions). */
export const TRAINER_OPTION_KEYS = [...ENGINE_OPTION_KEYS, 'algorithm', 't0', 't1', 'eta0', 'eta1', 'every', 'skipMaxMargin'] as const;
/** Option names of train (RunOptions). */
export const RUN_OPTION_KEYS = [...TRAINER_OPTION_KEYS, 'onRecord', 'chunk'] as const;
