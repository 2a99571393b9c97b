import { NtpError } from '../errors.js';
import type { BackendName, Model, Precision } from './backend.js';
import { checkEmbeddingObject, makeEmbedding, type Embedding, type EmbeddingSpec } from './embedding.js';
import { checkModelSize } from './limits.js';
import { JsModel } from './js.js';
import type { PackedData } from './packed.js';
import { warmUp } from './warm-up.js';
import { instantiate, WasmModel } from './wasm.js';
import { grantThreads } from './threads.js';
import { resolveSpace, type SpaceOption } from './space.js';
import { objectArg, optionsArg } from '../api/arguments.js';

/** Options of a model. */
export interface EngineOptions {
  /** `wasm` (default) or `js`, the pure-TypeScript reference. */
  backend?: BackendName;
  /** `f64` (default, for agreement with the theory) or `f32` (speed). */
  precision?: Precision;
  /** one-hot (default), orthonormal, gaussian, an explicit matrix (rows per token), or a resolved Embedding. */
  embedding?: EmbeddingSpec | Embedding;
  /** embedding dimension for generated embeddings (default |V|) */
  d?: number;
  /** seed for generated embeddings (default 1) */
  seed?: number;
  /**
   * Threads the training steps run on (wasm backend; default 1 here, and in `train()` the rule of
   * `defaultThreads`). Where threads are unavailable (a browser page without cross-origin
   * isolation) the model runs on one and says why in `threadNote`.
   */
  threads?: number;
  /**
   * Where the model computes: `auto` (default) is parameter space when d < |V|, else token space;
   * `token` forms the |V|×|V| matrices K = Eᵀ W_kq E and M = W_ov E; `parameter` keeps W_ov and
   * W_kq and needs memory O(|V|·d + d²) only. Same losses and trajectories up to rounding.
   */
  space?: SpaceOption;
}

/** Builds a model over packed data with zero weights (W_ov = 0, W_kq = 0, as Algorithm 1 starts). */
export async function createEngineModel(data: PackedData, opts: EngineOptions = {}): Promise<Model> {
  objectArg(data, 'createEngineModel(data, options): data');
  opts = optionsArg(opts, 'createEngineModel(data, options): options');
  const backend = opts.backend ?? 'wasm';
  const precision = opts.precision ?? 'f64';
  if (backend !== 'wasm' && backend !== 'js') throw new NtpError('invalid-option', `option backend must be "wasm" or "js", got "${String(backend)}"`);
  if (precision !== 'f64' && precision !== 'f32') throw new NtpError('invalid-option', `option precision must be "f64" or "f32", got "${String(precision)}"`);
  const emb = isEmbedding(opts.embedding) ? checkEmbeddingObject(opts.embedding, data.V) : makeEmbedding(data.V, opts.embedding ?? 'onehot', { d: opts.d, seed: opts.seed });
  const V = data.V;
  const d = emb.d;
  const space = resolveSpace(opts.space, V, d, emb.E === null);
  // a size the user did not mean (a d typed for |V|·d, say) is refused before anything is allocated
  checkModelSize({ V, d, N: data.N, totalTokens: data.tokens.length, C: data.colX.length, maxLength: data.maxLength, precision, oneHot: emb.E === null, space });
  const { threads, note } = grantThreads(backend, opts.threads);
  if (backend === 'wasm') {
    await warmUp(precision);
    if (threads > 1) {
      const { createThreadedModel } = await import('./wasm-threads.js');
      return createThreadedModel(data, emb, precision, threads, space);
    }
    const model = new WasmModel(await instantiate(), data, emb, precision, space);
    model.threadNote = note;
    return model;
  }
  try {
    const model = new JsModel(data, emb, precision, space);
    model.threadNote = note;
    return model;
  } catch (e) {
    if (e instanceof RangeError) throw new NtpError('out-of-memory', `cannot allocate the js backend's arrays for |V| = ${V}, d = ${d}: ${e.message}`);
    throw e;
  }
}

function isEmbedding(x: unknown): x is Embedding {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'kind' in x && 'd' in x;
}
