import { NtpError } from '../errors.js';

/**
 * Where the model computes: `token` forms K = Eᵀ W_kq E and M = W_ov E (|V|×|V|); `parameter`
 * keeps W_ov (|V|×d) and W_kq (d×d) and works on the embeddings (memory O(|V|·d + d²)). The two
 * give the same losses, gradients and trajectories up to rounding. With a one-hot embedding they
 * coincide and the model runs in token space.
 */
export type Space = 'token' | 'parameter';

/** The `space` option: `auto` (default) picks parameter space when d < |V|. */
export type SpaceOption = Space | 'auto';

/** The space a model over |V| tokens with embedding dimension d runs in (`oneHot`: E = I). */
export function resolveSpace(option: unknown, V: number, d: number, oneHot: boolean): Space {
  if (option !== undefined && option !== 'auto' && option !== 'token' && option !== 'parameter') {
    throw new NtpError('invalid-option', `option space must be "auto", "token" or "parameter", got ${JSON.stringify(option)}`);
  }
  if (oneHot) return 'token';
  if (option === 'token' || option === 'parameter') return option;
  return d < V ? 'parameter' : 'token';
}
