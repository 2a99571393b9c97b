/** Floating-point precision of parameters and activations. */
export type Precision = 'f64' | 'f32';

/** Which implementation runs the kernels. */
export type BackendName = 'wasm' | 'js';

/**
 * How a chunk of training steps ended.
 * - `running`: all requested steps were taken.
 * - `converged`: the gradient underflowed to exactly zero: the loss is below what the precision resolves.
 * - `diverged`: the loss or the gradient stopped being finite.
 * - `overflow`: the next step would take a weight out of the precision's range (float32 runs
 *   reach this first); it is not taken, so the weights stay finite.
 */
export type Status = 'running' | 'converged' | 'diverged' | 'overflow';

export const STATUS_CODES: readonly Status[] = ['running', 'converged', 'diverged', 'overflow'];

/** What a chunk of k steps reports. */
export interface ChunkResult {
  status: Status;
  /** Steps actually taken (the step that stopped a run is not counted). */
  steps: number;
  /** Loss at the iterate of the last step taken (before its update). */
  loss: number;
  /** ‖∇‖_F of the last step (for joint training, of both layers together). */
  gradNorm: number;
  /**
   * Loss at the iterate the chunk started from, measured by its first forward pass (so a caller
   * recording metrics needs no pass of its own), with the attention metrics for stage 2 and
   * joint chunks (NaN for stage 1). Not meaningful for k = 0.
   */
  start: Evaluation;
}

/** Loss and the attention metrics of Theorem 2 at the current weights. */
export interface Evaluation {
  loss: number;
  /** min over samples of the attention mass on the sample's optimal token. */
  minOptimalAttention: number;
  /** fraction of samples whose label is the strict argmax of the logits. */
  accuracy: number;
}

/** Gradients at the current weights, row-major like the parameters. */
export interface Gradients {
  loss: number;
  /** ∇W_ov, |V|×d (zero for stage 2). */
  Wov: Float64Array;
  /** ∇W_kq, d×d (zero for stage 1). */
  Wkq: Float64Array;
}

/** Which loss a gradient is of: stage-1 L0 (W_ov), stage-2 L (W_kq), or L over both layers. */
export type Objective = 'stage1' | 'stage2' | 'joint';

/**
 * A one-layer transformer bound to one packed dataset. Parameters are W_ov (|V|×d) and W_kq
 * (d×d, entry [i][j] with i the key side and j the query side: score = x_iᵀ W_kq x_q).
 * Both backends implement this interface with the same algorithm.
 */
export interface Model {
  readonly backend: BackendName;
  readonly precision: Precision;
  /** vocabulary size |V| */
  readonly V: number;
  /** embedding dimension d */
  readonly d: number;
  /** W_ov as a row-major |V|×d copy */
  getWov(): Float64Array;
  /** W_kq as a row-major d×d copy */
  getWkq(): Float64Array;
  setWov(w: ArrayLike<number>): void;
  setWkq(w: ArrayLike<number>): void;
  /**
   * The parameters as stored, without a copy: W_ovᵀ (d×|V|) and W_kqᵀ (d×d), row-major.
   * Valid until the model is disposed. Metrics read these to avoid copies while training.
   */
  storage(): { WovT: Float64Array | Float32Array; WkqT: Float64Array | Float32Array };
  /** k steps of stage 1 on L0 over W_ov; `normalized` selects NGD (default) or plain GD. */
  stage1(k: number, eta: number, normalized?: boolean): ChunkResult;
  /** k steps of stage 2 on L over W_kq with W_ov fixed. */
  stage2(k: number, eta: number, normalized?: boolean): ChunkResult;
  /** k steps on L over both layers at once, each normalized on its own. */
  joint(k: number, etaOv: number, etaKq: number, normalized?: boolean): ChunkResult;
  /** stage-1 loss L0 at the current W_ov */
  stage1Loss(): number;
  /** loss L and the attention metrics at the current weights */
  evaluate(): Evaluation;
  /** loss and gradients of an objective at the current weights (no update) */
  gradients(objective: Objective): Gradients;
  /** Releases the model's memory; the model is unusable afterwards. */
  dispose(): void;
  /** Threads its training steps run on (1 unless created with the `threads` option). */
  readonly threads?: number;
  /** Where the kernels compute: `token` (|V|×|V| matrices K and M) or `parameter` (W_ov, W_kq on the embeddings). */
  readonly space?: 'token' | 'parameter';
  /** Why the model runs on fewer threads than the `threads` option asked, if it does. */
  readonly threadNote?: string | null;
}
