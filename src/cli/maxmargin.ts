import { parseArgs } from 'node:util';
import { analyze, formatViolations } from '../dataset/analyze.js';
import { parseDataset } from '../dataset/format.js';
import { makeEmbedding } from '../engine/embedding.js';
import { NtpError } from '../errors.js';
import { readTextFile, writeFilesAtomic } from '../io/files.js';
import { formatJSON } from '../io/json.js';
import { solveMaxMargin } from '../maxmargin/index.js';
import { maxMarginProblem } from '../train/trainer.js';
import { maxMarginJSON } from '../train/report.js';
import { type CliIO, parseChoiceFlag, parseCommandArgs, processIO, runCommand } from './io.js';

export const MAXMARGIN_USAGE = `Usage: ntp maxmargin FILE [--norm frobenius|nuclear] [--out FILE]

Solve the max-margin problems of a dataset exactly: W*_ov (Equation 2) and W*_kq (Equation 3),
with Proposition 2's closed form and its distance from W*_kq. On data whose query orders have
cycles (trainable, not realizable), W_kq is the graph-SVM W_svm over the SCCs instead
(docs/theory/cyclic.md#the-graph-svm), and "reference" says "graph-svm".

Options:
  --norm N     the norm W_kq's problem minimizes: frobenius (default) or nuclear (the nuclear-norm
               SVM, with its certificate: bounds on the optimum and their relative gap,
               docs/theory/factorized.md#certified-nuclear-norm-solver)
  --out FILE   write the solution as JSON instead of printing it
  -h, --help   show this help
`;

/** Largest relative gap of a nuclear-norm solution reported as solved (the solver's own target). */
export const NUCLEAR_GAP_TOLERANCE = 1e-9;

/** Largest KKT residual (relative: the constraints are ≥ 1) of a solution reported as solved. */
export const KKT_TOLERANCE = 1e-6;

/** `ntp maxmargin` */
export async function runMaxMargin(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('maxmargin', io, async () => {
    const { values, positionals } = parseCommandArgs('maxmargin', () =>
      parseArgs({ args: argv, strict: true, allowPositionals: true, options: { out: { type: 'string' }, norm: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }),
    );
    if (values.help) {
      io.stdout(MAXMARGIN_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new NtpError('usage', 'ntp maxmargin needs exactly one dataset file');
    const norm = parseChoiceFlag('--norm', values.norm, ['frobenius', 'nuclear'] as const) ?? 'frobenius';
    const ds = parseDataset(await readTextFile(positionals[0]));
    const analysis = analyze(ds);
    // cyclic or confused orders are trainable but not realizable: the graph-SVM takes W*_kq's place
    if (!analysis.trainable) throw new NtpError('not-trainable', `the dataset cannot be trained, so it has no max-margin directions:\n${formatViolations(analysis.violations)}`);
    const V = ds.vocab.length;
    const embedding = makeEmbedding(V, ds.embedding ?? 'onehot');
    const mm = solveMaxMargin({ ...maxMarginProblem(analysis, V, embedding), vocab: ds.vocab }, { norm });
    // an answer that fails its own optimality check is not an answer: never exit 0 with it
    if (!(mm.kktResidual <= KKT_TOLERANCE)) {
      throw new NtpError('inaccurate', `the max-margin solution fails its optimality check: KKT residual ${mm.kktResidual.toExponential(2)} > ${KKT_TOLERANCE} (${mm.method})`);
    }
    if (mm.nuclear && !(mm.nuclear.relativeGap <= NUCLEAR_GAP_TOLERANCE)) {
      throw new NtpError('inaccurate', `the nuclear-norm solution is not certified: its bounds ${mm.nuclear.lowerBound} ≤ ν* ≤ ${mm.nuclear.nuclearNorm} leave a relative gap ${mm.nuclear.relativeGap.toExponential(2)} > ${NUCLEAR_GAP_TOLERANCE} after ${mm.nuclear.iterations} iterations`);
    }
    const text = formatJSON({ ...maxMarginJSON(mm, V, embedding.d), reference: mm.reference, norm: mm.norm, graphSvm: mm.graphSvm, nuclear: mm.nuclear });
    if (values.out === undefined) io.stdout(text);
    else {
      await writeFilesAtomic([{ path: values.out, content: text }]);
      const kq = mm.nuclear ? `, ‖W_kq‖_* ${mm.nuclear.nuclearNorm} (relative gap ${mm.nuclear.relativeGap.toExponential(2)})` : '';
      io.stdout(`wrote ${values.out}: ${mm.reference === 'graph-svm' ? `graph-SVM W_svm (${mm.graphSvm!.status})` : mm.method}${kq}, Proposition-2 gap ${mm.prop2Gap ?? 'n/a'}, KKT residual ${mm.kktResidual.toExponential(2)}\n`);
    }
    return 0;
  });
}
