// How a threaded model splits a step (assembly/parallel-train.ts): per mode, each thread's
// samples and the gradient rows it owns. Deterministic in the data and the thread count.
import type { PackedData } from './packed.js';

/** One thread's share of a pass: items it runs (ascending) and rows of dM or dK it zeroes. */
export interface ThreadShare {
  items: Uint32Array;
  rows: Uint32Array;
}

/** Shares of the three passes: stage 1 (collocation pairs), stage 2 (samples that depend on W_kq), joint (all samples). */
export interface ThreadPlan {
  stage1: ThreadShare[];
  stage2: ThreadShare[];
  joint: ThreadShare[];
}

/** Relative cost of a sample of context length L: about L column reads forward, L dots back and a few passes of the softmax over |V|. */
const sampleCost = (L: number) => 2 * L + 4;

/**
 * Splits the samples by query, whole queries per thread (so that each row dK[q, :] is summed by
 * one thread in sample order), balancing the cost greedily: queries by decreasing cost, each to
 * the least loaded thread (ties to the lower index). Rows no sample touches are dealt out in turn.
 */
export function byQuery(data: Pick<PackedData, 'V' | 'N' | 'offsets' | 'tokens'>, threads: number, include: (n: number) => boolean): ThreadShare[] {
  const cost = new Float64Array(data.V);
  const query = new Int32Array(data.N);
  for (let n = 0; n < data.N; n++) {
    query[n] = data.tokens[data.offsets[n + 1] - 1];
    if (include(n)) cost[query[n]] += sampleCost(data.offsets[n + 1] - data.offsets[n]);
  }
  const queries = Array.from({ length: data.V }, (_, q) => q).filter((q) => cost[q] > 0);
  queries.sort((a, b) => cost[b] - cost[a] || a - b);
  const owner = new Int32Array(data.V).fill(-1);
  const load = new Float64Array(threads);
  for (const q of queries) {
    let j = 0;
    for (let i = 1; i < threads; i++) if (load[i] < load[j]) j = i;
    owner[q] = j;
    load[j] += cost[q];
  }
  let turn = 0;
  for (let q = 0; q < data.V; q++) if (owner[q] < 0) owner[q] = turn++ % threads;
  const items: number[][] = Array.from({ length: threads }, () => []);
  const rows: number[][] = Array.from({ length: threads }, () => []);
  for (let n = 0; n < data.N; n++) if (include(n)) items[owner[query[n]]].push(n);
  for (let q = 0; q < data.V; q++) rows[owner[q]].push(q);
  return items.map((it, j) => ({ items: Uint32Array.from(it), rows: Uint32Array.from(rows[j]) }));
}

/** Collocation pairs in contiguous runs of equal size; each writes its own row of dM, the other rows are dealt out in turn. */
function stage1Shares(data: PackedData, threads: number): ThreadShare[] {
  const C = data.colX.length;
  const taken = new Uint8Array(data.V);
  for (const x of data.colX) taken[x] = 1;
  const rows: number[][] = Array.from({ length: threads }, () => []);
  let turn = 0;
  for (let x = 0; x < data.V; x++) if (!taken[x]) rows[turn++ % threads].push(x);
  return rows.map((r, j) => {
    const c0 = Math.floor((C * j) / threads);
    const c1 = Math.floor((C * (j + 1)) / threads);
    return { items: Uint32Array.from({ length: c1 - c0 }, (_, i) => c0 + i), rows: Uint32Array.from(r) };
  });
}

/** The plan of a model over `data` on `threads` threads. */
export function planThreads(data: PackedData, threads: number): ThreadPlan {
  return {
    stage1: stage1Shares(data, threads),
    stage2: byQuery(data, threads, (n) => data.fixed[n] === 0),
    joint: byQuery(data, threads, () => true),
  };
}
