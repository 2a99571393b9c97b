import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIO, parseChoiceFlag, parseCommandArgs, parseFloatFlag, parseIntFlag, processIO, runCommand } from './io.js';
import { NtpError } from '../errors.js';
import { writeFilesAtomic } from '../io/files.js';
import { parseDataset } from '../dataset/format.js';
import type { Dataset } from '../dataset/types.js';
import { readTextFile } from '../io/files.js';
import { renderGlobalConvergenceSvg, runGlobalConvergence, type GlobalConvergenceResult } from '../tasks/cyclic/experiment.js';
import type { CyclicRunConfig } from '../tasks/cyclic/sweep.js';
import { trainCyclic, type CyclicTrainResult } from '../tasks/cyclic/train.js';

/** Help text of `ntp cyclic`. */
export const CYCLIC_USAGE = `Usage: ntp cyclic [options]

Li et al.'s global-convergence experiment on cyclic token-priority orders (docs/theory/cyclic.md#li-et-als-global-convergence-experiment): random
cyclic datasets (n = 6 samples of T = 4 distinct tokens out of K = 6, normalized Gaussian
embeddings, d = 8), the selection head trained by NGD (lr 0.01, 4000 steps, PyTorch-default
init), measured against the exact graph-SVM W_svm and finite part W_fin. Prints the final metrics
per dataset and their mean ± std; with --out-dir, writes cyclic-global.json and the figure
cyclic-global.svg (mean ± std bands of A1, A3, A5).

With --data FILE, runs once on that dataset instead (any embedding it holds), and prints the
graph-SVM (status, norm, KKT residual, or why it is infeasible / absent), the finite part W_fin of
the head and the final metrics; --out-dir then writes cyclic-run.json.

Options:
  --data FILE      one run on this dataset instead of the experiment
  --datasets N     number of datasets (default 10), seeds --seed … --seed+N−1
  --seed N         first seed (default 1)
  --steps N        training steps (default 4000)
  --eta X          step size (default 0.01)
  --head H         selection (default), gen or ce-frozen
  --optimizer O    ngd (default) or gd
  --init I         default (PyTorch, default) or zero
  --every N        record interval (default 50)
  --backend B      wasm (default) or js
  --precision P    f64 (default) or f32
  --workers N      run the datasets on N worker threads (default: every core)
  --out-dir DIR    write cyclic-global.json and cyclic-global.svg there
  --json           print the result as JSON instead of the table
  -h, --help       show this help
`;

function positiveWorkers(n: number | undefined): number | undefined {
  if (n !== undefined && n < 1) throw new NtpError('usage', `option --workers must be >= 1 (got ${n})`);
  return n;
}

const f = (x: unknown, digits = 5) => (typeof x === 'number' ? x.toFixed(digits) : 'n/a');

/** The table `ntp cyclic` prints. */
export function formatGlobalConvergence(r: GlobalConvergenceResult): string {
  const out: string[] = [];
  const c = r.config;
  out.push(`Cyclic orders, global convergence: ${c.datasets} datasets, head ${c.head}, ${c.optimizer} eta ${c.eta}, ${c.steps} steps, init ${c.init}`);
  out.push('seed  status     A1 cos(W,Wsvm)  A2 cos(W,Wfin+R·Ŵsvm)  A4 proj. cos  A3 ‖ΠW−Wfin‖  A5 top-SCC  loss      R');
  for (const run of r.runs) {
    const m = run.final;
    out.push(`${String(run.seed).padEnd(5)} ${run.status.padEnd(10)} ${f(m.cosSvm).padEnd(15)} ${f(m.cosDecomposition).padEnd(22)} ${f(m.cosProjected).padEnd(12)} ${f(m.finiteGap).padEnd(13)} ${f(m.topSccMean).padEnd(11)} ${f(m.loss, 4).padEnd(9)} ${f(m.R, 3)}`);
  }
  const s = (k: string) => `${f(r.summary[k].mean)} ± ${f(r.summary[k].std)}${r.summary[k].n < r.runs.length ? ` (defined in ${r.summary[k].n})` : ''}`;
  out.push(`mean ± std: A1 ${s('cosSvm')}; A2 ${s('cosDecomposition')}; A4 ${s('cosProjected')}; A3 ${s('finiteGap')}; A5 ${s('topSccMean')}`);
  return `${out.join('\n')}\n`;
}

/** The report of a single `ntp cyclic --data FILE` run. */
export function formatCyclicRun(file: string, ds: Dataset, r: CyclicTrainResult, head: string): string {
  const out: string[] = [];
  out.push(`Dataset ${file}: ${ds.vocab.length} tokens, ${ds.samples.length} distinct samples`);
  const s = r.svm;
  out.push(s.status === 'optimal'
    ? `graph-SVM W_svm: optimal (${s.method}), ‖W_svm‖ = ${s.norm.toPrecision(6)}, KKT residual ${s.kkt.toExponential(1)}, ${s.edges.filter((e) => Math.abs(e.margin - 1) < 1e-9).length} active of ${s.edges.length} cross-SCC edges`
    : `graph-SVM W_svm: ${s.status}: ${s.message}`);
  const f = r.fin;
  out.push(`finite part W_fin (${head} head): ${f.status}, ‖W_fin‖ = ${f.norm.toPrecision(6)}, dim S_fin ${f.space.dim}, ${f.reduced.length} reduced samples, loss floor ${r.floor.toPrecision(6)}, |∇| ${f.gradNorm.toExponential(1)} after ${f.iterations} Newton iterations`);
  const m = r.records[r.records.length - 1];
  out.push(`run: ${r.status} after ${r.steps} steps; loss ${m.loss.toPrecision(6)} (gap to the floor ${m.lossGap.toExponential(2)}), ‖W‖ ${m.norm.toPrecision(5)}`);
  out.push(`  A1 cos(W, W_svm) ${f5(m.cosSvm)}, A2 ${f5(m.cosDecomposition)}, A4 ${f5(m.cosProjected)}, A3 ‖ΠW − W_fin‖ ${f5(m.finiteGap)}, A5 top-SCC mass mean ${f5(m.topSccMean)} min ${f5(m.topSccMin)}, A6 ${f5(m.withinSccTv)}, R ${f5(m.R)}, A9 ${f5(m.residual)}, A10 ${f5(r.frozen)}`);
  return `${out.join('\n')}\n`;
}

const f5 = (x: number | null) => (x === null ? 'n/a' : x.toPrecision(5));

/** `ntp cyclic [options]` */
export async function runCyclic(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('cyclic', io, async () => {
    const { values, positionals } = parseCommandArgs('cyclic', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: {
          datasets: { type: 'string' }, seed: { type: 'string' }, steps: { type: 'string' }, eta: { type: 'string' },
          head: { type: 'string' }, optimizer: { type: 'string' }, init: { type: 'string' }, every: { type: 'string' },
          backend: { type: 'string' }, precision: { type: 'string' }, 'out-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
          data: { type: 'string' }, workers: { type: 'string' },
        },
      }),
    );
    if (values.help) {
      io.stdout(CYCLIC_USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new NtpError('usage', `unexpected argument ${JSON.stringify(positionals[0])} for "ntp cyclic"`);
    const run: CyclicRunConfig = {};
    const steps = parseIntFlag('--steps', values.steps);
    if (steps !== undefined) run.steps = steps;
    const eta = parseFloatFlag('--eta', values.eta);
    if (eta !== undefined) run.eta = eta;
    const head = parseChoiceFlag('--head', values.head, ['selection', 'gen', 'ce-frozen'] as const);
    if (head) run.head = head;
    const optimizer = parseChoiceFlag('--optimizer', values.optimizer, ['ngd', 'gd'] as const);
    if (optimizer) run.optimizer = optimizer;
    const init = parseChoiceFlag('--init', values.init, ['default', 'zero'] as const);
    if (init) run.init = init;
    const backend = parseChoiceFlag('--backend', values.backend, ['wasm', 'js'] as const);
    if (backend) run.backend = backend;
    const precision = parseChoiceFlag('--precision', values.precision, ['f64', 'f32'] as const);
    if (precision) run.precision = precision;
    const outDir = values['out-dir'];
    if (values.data !== undefined) {
      if (values.datasets !== undefined) throw new NtpError('usage', 'option --datasets applies to the experiment; it cannot be used with --data');
      if (values.workers !== undefined) throw new NtpError('usage', 'option --workers applies to the experiment; it cannot be used with --data');
      const file = values.data;
      let ds: Dataset;
      try {
        ds = parseDataset(await readTextFile(file));
      } catch (e) {
        if (e instanceof NtpError && e.code !== 'io') throw new NtpError(e.code, `${file}: ${e.message}`);
        throw e;
      }
      const head = run.head ?? 'selection';
      const seed = parseIntFlag('--seed', values.seed);
      const r = await trainCyclic(ds, { ...run, head, every: parseIntFlag('--every', values.every) ?? 100, ...(seed === undefined ? {} : { seed }) });
      const json = { file, status: r.status, steps: r.steps, svm: { ...r.svm, coeff: undefined, W: Array.from(r.svm.W), K: Array.from(r.svm.K) }, fin: { status: r.fin.status, norm: r.fin.norm, loss: r.fin.loss, gradNorm: r.fin.gradNorm, iterations: r.fin.iterations, K: Array.from(r.fin.K), W: Array.from(r.fin.W) }, floor: r.floor, frozen: r.frozen, records: r.records };
      if (outDir !== undefined) await writeFilesAtomic([{ path: join(outDir, 'cyclic-run.json'), content: `${JSON.stringify(json)}\n` }]);
      io.stdout(values.json ? `${JSON.stringify(json)}\n` : formatCyclicRun(file, ds, r, head));
      return 0;
    }
    const result = await runGlobalConvergence({
      datasets: parseIntFlag('--datasets', values.datasets),
      firstSeed: parseIntFlag('--seed', values.seed),
      every: parseIntFlag('--every', values.every),
      run,
      // the datasets' runs go to the sweep engine's worker pool, every core by default
      runMany: (await import('../sweep/results.js')).sweepRunner({ workers: positiveWorkers(parseIntFlag('--workers', values.workers)) }),
    });
    if (outDir !== undefined) {
      const svg = await renderGlobalConvergenceSvg(result);
      await writeFilesAtomic([
        { path: join(outDir, 'cyclic-global.json'), content: `${JSON.stringify(result)}\n` },
        { path: join(outDir, 'cyclic-global.svg'), content: svg },
      ]);
    }
    io.stdout(values.json ? `${JSON.stringify(result)}\n` : formatGlobalConvergence(result));
    return 0;
  });
}
