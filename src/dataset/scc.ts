import { rowsArg, arrayArg, intArg } from '../api/arguments.js';
/**
 * Strongly connected components of a directed graph by Tarjan's algorithm, iterative (no
 * recursion depth limit), O(nodes + edges). Used for the token-priority graphs of docs/theory/cyclic.md#token-priority-graphs-and-sccs.
 */

/** SCCs of a graph given in CSR form (node v's successors are adj[start[v] … start[v+1])). */
export interface Components {
  /** Number of SCCs. */
  count: number;
  /** componentOf[v] = index of v's SCC in topological order of the condensation (sources first). */
  componentOf: Int32Array;
  /** The SCCs in topological order (an edge C → D between distinct SCCs has C before D); members ascending. */
  members: number[][];
}

/**
 * Tarjan's SCC algorithm on a CSR graph. Tarjan emits components in reverse topological order of
 * the condensation; they are renumbered so that index 0 is a source.
 */
export function stronglyConnected(n: number, start: Int32Array, adj: Int32Array): Components {
  intArg(n, 'stronglyConnected(n, start, adj): n', 0);
  arrayArg(start, 'stronglyConnected(n, start, adj): start');
  arrayArg(adj, 'stronglyConnected(n, start, adj): adj');
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  // Explicit call stack: node and the position of its next unexplored edge.
  const callNode = new Int32Array(n);
  const callPos = new Int32Array(n);
  let cp = 0;
  const emitted = new Int32Array(n); // emission-order component of each node
  let count = 0;
  let counter = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] >= 0) continue;
    index[s] = low[s] = counter++;
    stack[sp++] = s;
    onStack[s] = 1;
    callNode[cp] = s;
    callPos[cp++] = start[s];
    while (cp > 0) {
      const v = callNode[cp - 1];
      const p = callPos[cp - 1];
      if (p < start[v + 1]) {
        callPos[cp - 1] = p + 1;
        const w = adj[p];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[cp] = w;
          callPos[cp++] = start[w];
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      cp--;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          emitted[w] = count;
        } while (w !== v);
        count++;
      }
      if (cp > 0) {
        const u = callNode[cp - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }
  const componentOf = new Int32Array(n);
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let v = 0; v < n; v++) {
    const c = count - 1 - emitted[v];
    componentOf[v] = c;
    members[c].push(v);
  }
  return { count, componentOf, members };
}

/** CSR adjacency of `n` nodes from edge lists (duplicates kept; they do not change the SCCs). */
export function toCsr(n: number, from: ArrayLike<number>, to: ArrayLike<number>): { start: Int32Array; adj: Int32Array } {
  const m = from.length;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) start[from[e] + 1]++;
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const fill = start.slice(0, n);
  const adj = new Int32Array(m);
  for (let e = 0; e < m; e++) adj[fill[from[e]]++] = to[e];
  return { start, adj };
}

/** The condensation of a graph on token ids given as edges [above, below]. */
export interface Condensation {
  /** Tokens that lie on some edge, ascending. */
  tokens: number[];
  /** SCCs in topological order (sources first), token ids ascending in each. */
  components: number[][];
  /** Distinct edges [C, D] between different SCCs (indices into `components`), sorted. */
  edges: [number, number][];
  /** Token id → SCC index. */
  componentOf: Map<number, number>;
}

/** SCCs and condensation of a token graph given as edges [i, j] (i above j). */
export function condense(edges: ReadonlyArray<readonly [number, number]>): Condensation {
  rowsArg(edges, 'condense(edges): edges');
  const local = new Map<number, number>();
  const tokens: number[] = [];
  for (const [a, b] of edges) {
    for (const t of [a, b]) if (!local.has(t)) local.set(t, local.size), tokens.push(t);
  }
  // Local ids in ascending token order, so SCC members come out sorted.
  tokens.sort((x, y) => x - y);
  tokens.forEach((t, i) => local.set(t, i));
  const from = edges.map((e) => local.get(e[0])!);
  const to = edges.map((e) => local.get(e[1])!);
  const { start, adj } = toCsr(tokens.length, from, to);
  const scc = stronglyConnected(tokens.length, start, adj);
  const components = scc.members.map((m) => m.map((v) => tokens[v]));
  const componentOf = new Map<number, number>();
  tokens.forEach((t, i) => componentOf.set(t, scc.componentOf[i]));
  const seen = new Set<number>();
  const cEdges: [number, number][] = [];
  for (let e = 0; e < from.length; e++) {
    const C = scc.componentOf[from[e]];
    const D = scc.componentOf[to[e]];
    if (C === D) continue;
    const key = C * scc.count + D;
    if (seen.has(key)) continue;
    seen.add(key);
    cEdges.push([C, D]);
  }
  cEdges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { tokens, components, edges: cEdges, componentOf };
}
