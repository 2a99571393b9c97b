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
import { type CliIO, parseCommandArgs, processIO, runCommand } from './io.js';

export const MAXMARGIN_USAGE = `Usage: ntp maxmargin FILE [--out FILE]

Solve the max-margin problems of a realizable dataset exactly: W*_ov (Equation 2) and W*_kq
(Equation 3), with Proposition 2's closed form and its distance from W*_kq.

Options:
  --out FILE   write the solution as JSON instead of printing it
  -h, --help   show this help
`;

/** Largest KKT residual (relative: the constraints are ≥ 1) of a solution reported as solved. */
export const KKT_TOLERANCE = 1e-6;

/** `ntp maxmargin` */
export async function runMaxMargin(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('maxmargin', io, async () => {
    const { values, positionals } = parseCommandArgs('maxmargin', () =>
      parseArgs({ args: argv, strict: true, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }),
    );
    if (values.help) {
      io.stdout(MAXMARGIN_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new NtpError('usage', 'ntp maxmargin needs exactly one dataset file');
    const ds = parseDataset(await readTextFile(positionals[0]));
    const analysis = analyze(ds);
    if (!analysis.realizable) throw new NtpError('not-realizable', `the dataset is not realizable, so the max-margin problems may be infeasible:\n${formatViolations(analysis.violations)}`);
    const V = ds.vocab.length;
    const embedding = makeEmbedding(V, ds.embedding ?? 'onehot');
    const mm = solveMaxMargin({ ...maxMarginProblem(analysis, V, embedding), vocab: ds.vocab });
    // an answer that fails its own optimality check is not an answer: never exit 0 with it
    if (!(mm.kktResidual <= KKT_TOLERANCE)) {
      throw new NtpError('inaccurate', `the max-margin solution fails its optimality check: KKT residual ${mm.kktResidual.toExponential(2)} > ${KKT_TOLERANCE} (${mm.method})`);
    }
    const text = formatJSON(maxMarginJSON(mm, V, embedding.d));
    if (values.out === undefined) io.stdout(text);
    else {
      await writeFilesAtomic([{ path: values.out, content: text }]);
      io.stdout(`wrote ${values.out}: ${mm.method}, Proposition-2 gap ${mm.prop2Gap ?? 'n/a'}, KKT residual ${mm.kktResidual.toExponential(2)}\n`);
    }
    return 0;
  });
}
