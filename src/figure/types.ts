/** One logged point of training stage 1 (W_ov only). `cosine` is cos(W_ov, W*_ov), or null when not computed. */
export interface Stage1Point {
  step: number;
  loss: number;
  norm: number;
  cosine: number | null;
}

/** One logged point of training stage 2 (W_kq with W_ov frozen). `cosine` is cos(W_kq, W*_kq). */
export interface Stage2Point extends Stage1Point {
  optimalAttention: number;
  accuracy: number;
}

/** Input of Figure 2: the two stages' logged histories, plus an optional caption shown under the title. */
export interface FigureInput {
  stage1: Stage1Point[];
  stage2: Stage2Point[];
  /** e.g. "Algorithm 1, |V| = 20, d = 20, wasm f64". */
  title?: string;
  /** What stage 2's cosine is measured against: `W*_kq` (default) or `W_svm` (the graph-SVM, cyclic data). */
  reference?: 'W*_kq' | 'W_svm';
}
