/** One next-token sample: a context of token ids (the query is the last one) and the next token id. */
export interface Sample {
  context: number[];
  next: number;
}

/**
 * A dataset D0 as a multiset of samples over a vocabulary, in token ids.
 * Samples are distinct; `counts[n]` is the multiplicity of `samples[n]`, so the
 * frequency of sample n is π_n = counts[n] / Σ counts.
 */
export interface Dataset {
  vocab: string[];
  samples: Sample[];
  counts: number[];
  /** Embedding, one row per token (|V| rows of length d). Absent means one-hot (d = |V|). */
  embedding?: number[][];
}
