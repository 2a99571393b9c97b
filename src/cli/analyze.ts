import { parseArgs } from 'node:util';
import { NtpError } from '../errors.js';
import { type Analysis, analyze, formatViolations, generalizationCases, type GeneralizationCase, type QueryAnalysis } from '../dataset/analyze.js';
import { parseDataset } from '../dataset/format.js';
import type { Dataset } from '../dataset/types.js';
import { svmDirection, type SvmDirection } from '../tasks/cyclic/direction.js';
import { readTextFile } from '../io/files.js';
import { type CliIO, EXIT_FAILURE, parseCommandArgs, processIO, runCommand } from './io.js';

/** Help text of `ntp analyze`. */
export const ANALYZE_USAGE = `Usage: ntp analyze FILE [--json]

Check a dataset against the paper's assumptions and describe its structure: the collocation,
each query's partial order and token classes (optimal, non-optimal, confused, non-comparable),
and the unseen contexts whose prediction Theorem 3 fixes. Cyclic orders and confused tokens
break Assumption 1 but not training: the report then gives the SCCs and whether stage 2 has a
graph-SVM direction (docs/theory/cyclic.md), and the exit code is 0. Exits with 1 when the dataset cannot be
trained (a collocation that is not a function or not injective, a sample without optimal token),
naming the reason.

Options:
  --json       print the analysis as JSON instead of a report
  -h, --help   show this help
`;

/** Longest token list printed per line; |V| = 1024 datasets would otherwise print walls of names. */
const LIST_LIMIT = 24;

/** Largest |V|·(number of queries) for which --json writes every non-comparable list. */
const JSON_NONCOMPARABLE_LIMIT = 20_000_000;

/** Most queries the report describes; --json has them all. */
const QUERY_LIMIT = 200;

/** The first non-comparable tokens and their number, without materializing the full list. */
function nonComparableList(ds: Dataset, qa: QueryAnalysis): string {
  const comparable = new Set([...qa.optimal, ...qa.nonOptimal, ...qa.confused]);
  const total = ds.vocab.length - comparable.size;
  if (total === 0) return '–';
  const shown: string[] = [];
  for (let t = 0; t < ds.vocab.length && shown.length < LIST_LIMIT; t++) if (!comparable.has(t)) shown.push(ds.vocab[t]);
  return total > shown.length ? `${shown.join(' ')} … (${total} in all)` : shown.join(' ');
}

function list(ds: Dataset, ids: readonly number[]): string {
  if (ids.length === 0) return '–';
  const shown = ids.slice(0, LIST_LIMIT).map((t) => ds.vocab[t]).join(' ');
  return ids.length > LIST_LIMIT ? `${shown} … (${ids.length} in all)` : shown;
}

function ctx(ds: Dataset, ids: readonly number[]): string {
  return JSON.stringify(ids.map((t) => ds.vocab[t]).join(' '));
}

/** The human-readable report `ntp analyze` prints. */
export function formatAnalysisReport(ds: Dataset, a: Analysis, source: string, cases: readonly GeneralizationCase[] | null, direction: SvmDirection | null = null): string {
  const out: string[] = [];
  const total = ds.counts.reduce((s, c) => s + c, 0);
  let longest = 0;
  for (const s of ds.samples) longest = Math.max(longest, s.context.length);
  const emb = ds.embedding === undefined ? 'one-hot embedding' : `embedding of dimension ${ds.embedding[0].length}`;
  out.push(`Dataset ${source}: ${ds.vocab.length} tokens, ${ds.samples.length} distinct samples (${total} with multiplicity), longest context ${longest}, ${emb}`);

  const covered = a.collocation.filter((y) => y >= 0).length;
  const pairs: string[] = [];
  for (let x = 0; x < a.collocation.length && pairs.length < LIST_LIMIT; x++) {
    if (a.collocation[x] >= 0) pairs.push(`${ds.vocab[x]}→${ds.vocab[a.collocation[x]]}`);
  }
  const more = covered > pairs.length ? ` … (${covered} in all)` : '';
  out.push(`Collocation n (${covered} of ${ds.vocab.length} tokens): ${pairs.join('  ') || '–'}${more}`);
  out.push('');

  for (const qa of a.queries.slice(0, QUERY_LIMIT)) {
    const q = ds.vocab[qa.query];
    out.push(`Query ${q} (${qa.samples.length} sample${qa.samples.length === 1 ? '' : 's'}):`);
    const rel = qa.order.slice(0, LIST_LIMIT).map(([x, y]) => `${ds.vocab[x]} > ${ds.vocab[y]}`);
    const relMore = qa.order.length > rel.length ? ` … (${qa.order.length} in all)` : '';
    out.push(`  order:          ${rel.join(', ') || '– (no comparisons)'}${relMore}`);
    out.push(`  optimal:        ${list(ds, qa.optimal)}`);
    out.push(`  non-optimal:    ${list(ds, qa.nonOptimal)}`);
    if (qa.confused.length > 0) out.push(`  confused:       ${list(ds, qa.confused)}`);
    out.push(`  non-comparable: ${nonComparableList(ds, qa)}`);
    if (qa.cycle !== null) out.push(`  cycle:          ${[...qa.cycle, qa.cycle[0]].map((t) => ds.vocab[t]).join(' > ')}`);
    if (qa.cycle !== null) {
      const sccs = qa.components.slice(0, LIST_LIMIT).map((c) => `{${c.slice(0, LIST_LIMIT).map((t) => ds.vocab[t]).join(' ')}${c.length > LIST_LIMIT ? ' …' : ''}}`);
      out.push(`  SCCs:           ${sccs.join(' > ')}${qa.components.length > LIST_LIMIT ? ` … (${qa.components.length} in all)` : ''}   (topological order)`);
    }
    if (qa.optimal.length > 0 && qa.nonOptimal.length > 0) {
      out.push(`  comparisons:    ${qa.complete ? 'complete (every optimal token meets every non-optimal token)' : 'incomplete (Proposition 2 closed form not exact)'}`);
    }
  }

  if (a.queries.length > QUERY_LIMIT) out.push(`… and ${a.queries.length - QUERY_LIMIT} more queries (--json lists them all)`);

  if (cases !== null && cases.length > 0) {
    out.push('');
    out.push(`Generalization (Theorem 3): unseen contexts and their predicted next token (${cases.length}):`);
    for (const c of cases.slice(0, LIST_LIMIT)) {
      out.push(`  ${ctx(ds, c.context)} → ${ds.vocab[c.expected]}   (${c.kind === 'nonComparable' ? 'non-comparable token wins' : 'optimal token wins'})`);
    }
    if (cases.length > LIST_LIMIT) out.push(`  … and ${cases.length - LIST_LIMIT} more`);
  }

  const a1 = a.violations.filter((v) => v.kind !== 'assumption-3');
  const a3 = a.violations.filter((v) => v.kind === 'assumption-3');
  if (a1.length > 0) {
    out.push('');
    out.push(`Violations of Assumption 1 (${a1.length}):`);
    out.push(formatViolations(a1));
  }
  if (a3.length > 0) {
    out.push('');
    out.push(`Violations of Assumption 3 (${a3.length}):`);
    out.push(formatViolations(a3));
  }
  out.push('');
  const verdict = a.realizable ? 'realizable (Assumption 1 holds)' : 'NOT realizable (Assumption 1 fails)';
  out.push(`Verdict: ${verdict}; Assumption 3 ${a.assumption3 ? 'holds' : 'fails'}.`);
  if (!a.realizable && a.trainable) {
    const n = a.queries.filter((qa) => (a.acyclic ? qa.confused.length > 0 : qa.cycle !== null)).length;
    const what = `${a.acyclic ? 'Confused tokens' : 'Cyclic orders'} under ${n} quer${n === 1 ? 'y' : 'ies'}: trainable all the same; `;
    if (direction === null || direction.status === 'optimal') out.push(`${what}stage 2 grows along the graph-SVM over the SCCs (docs/theory/cyclic.md).`);
    else if (direction.status === 'no-direction') out.push(`${what}there is no divergent direction: ${direction.message} (docs/theory/cyclic.md#the-graph-svm).`);
    else out.push(`${what}but there is no divergent direction, so a run's cosines are skipped: ${direction.message} (docs/theory/cyclic.md#the-graph-svm).`);
  } else if (!a.trainable) {
    out.push(`Not trainable: ${untrainable(a).map((v) => v.kind).filter((k, i, all) => all.indexOf(k) === i).join(', ')} (see the violations above).`);
  }
  return `${out.join('\n')}\n`;
}

/** The violations that make training undefined (cycles and confused tokens do not). */
function untrainable(a: Analysis) {
  return a.violations.filter((v) => v.kind !== 'assumption-3' && v.kind !== 'cyclic-order' && v.kind !== 'confused-token');
}

/** `ntp analyze FILE [--json]`: report on a dataset file; exit code 1 when it cannot be trained. */
export async function runAnalyze(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('analyze', io, async () => {
    const { values, positionals } = parseCommandArgs('analyze', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      }),
    );
    if (values.help) {
      io.stdout(ANALYZE_USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new NtpError('usage', 'ntp analyze needs a dataset file');
    if (positionals.length > 1) throw new NtpError('usage', `unexpected argument ${JSON.stringify(positionals[1])} for "ntp analyze"`);
    const file = positionals[0];
    const text = await readTextFile(file);
    let ds: Dataset;
    try {
      ds = parseDataset(text);
    } catch (e) {
      // The file name is what the user needs next to a parse error.
      if (e instanceof NtpError) throw new NtpError(e.code, `${file}: ${e.message}`);
      throw e;
    }
    const a = analyze(ds);
    const cases = a.realizable ? generalizationCases(ds, a) : null;
    const direction = !a.realizable && a.trainable ? svmDirection(ds, a) : null;
    if (values.json) {
      // Non-comparable lists total |V|·(queries) ids; past this size they are left out (the
      // other classes determine them) rather than exhausting memory.
      const omit = ds.vocab.length * a.queries.length > JSON_NONCOMPARABLE_LIMIT;
      // Picked field by field: rest-destructuring would call the getter and build the list anyway.
      const queries = omit
        ? a.queries.map((qa) => ({ query: qa.query, samples: qa.samples, optimal: qa.optimal, nonOptimal: qa.nonOptimal, confused: qa.confused, order: qa.order, cycle: qa.cycle, components: qa.components, complete: qa.complete }))
        : a.queries;
      io.stdout(`${JSON.stringify({ file, vocab: ds.vocab, ...a, queries, nonComparableOmitted: omit, generalization: cases ?? [], graphSvm: direction })}\n`);
    } else {
      io.stdout(formatAnalysisReport(ds, a, file, cases, direction));
    }
    if (!a.trainable) {
      const n = a.violations.filter((v) => v.kind !== 'assumption-3').length;
      const why = untrainable(a);
      io.stderr(`error: ${file} is not realizable (${n} violation${n === 1 ? '' : 's'} of Assumption 1) and cannot be trained: ${why[0].message}${why.length > 1 ? ` (and ${why.length - 1} more)` : ''}\n`);
      return EXIT_FAILURE;
    }
    return 0;
  });
}
