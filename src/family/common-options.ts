/**
 * Options several families share, declared once so that a flag means the same everywhere:
 * `--seed`, `--steps`, `--eta`, `--every`, `--precision`, `--backend`, `--workers`, `--threads`.
 * Each takes the family's default.
 * @module
 */
import { opt } from './schema.js';

/** `--seed N`: the run's seed (every random choice of the run follows from it). */
export const seedOption = (dflt = 0, doc = 'seed of every random choice of the run') => opt.int(doc, { default: dflt, min: 0, max: 2 ** 32 - 1 });

/** `--steps N`: training steps. */
export const stepsOption = (dflt: number, doc = 'training steps') => opt.int(doc, { default: dflt, min: 0, max: 1e9 });

/** `--eta X`: the step size. */
export const etaOption = (dflt: number, doc = 'step size η') => opt.number(doc, { default: dflt, min: 0, exclusiveMin: true });

/** `--every N`: the record interval. */
export const everyOption = (dflt: number, doc = 'record the metrics every N steps (and at the last step)') => opt.int(doc, { default: dflt, min: 1, max: 1e9 });

/** `--precision f64|f32`. */
export const precisionOption = () => opt.choice(['f64', 'f32'] as const, 'floating-point precision of the weights and kernels', { default: 'f64' as const });

/** `--backend wasm|js`. */
export const backendOption = () => opt.choice(['wasm', 'js'] as const, 'WebAssembly SIMD kernels or the pure-TypeScript twins (same results)', { default: 'wasm' as const });

/** `--workers N`: worker threads that run an experiment's runs (default: every core). */
export const workersOption = () => opt.int('worker threads for the runs of an experiment (default: every core; 1 runs them in this thread)', { min: 1, max: 1024, optional: true });

/** `--threads N`: threads of one model's steps (WebAssembly only; a schema with it has `backend`). */
export const threadsOption = () => opt.int('threads of one run\'s steps (default: one, or every core where a step has enough work)', { min: 1, max: 256, optional: true, only: { backend: ['wasm'] } });
