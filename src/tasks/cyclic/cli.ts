import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIO, parseCommandArgs, parseIntFlag, processIO, runCommand } from '../../cli/io.js';
import { NtpError } from '../../errors.js';
import { writeFilesAtomic } from '../../io/files.js';
import { renderGlobalConvergenceSvg, runGlobalConvergence, type GlobalConvergenceResult } from './experiment.js';
import type { CyclicRunConfig } from './sweep.js';

/** Help text of `ntp cyclic`. */
export const CYCLIC_USAGE = `Usage: ntp cyclic [options]

Li et al.'s global-convergence experiment on cyclic token-priority orders (SPEC §7.9): random
cyclic datasets (n = 6 samples of T = 4 distinct tokens out of K = 6, normalized Gaussian
embeddings, d = 8), the selection head trained by NGD (lr 0.01, 4000 steps, PyTorch-default
init), measured against the exact graph-SVM W_svm and finite part W_fin. Prints the final metrics
per dataset and their mean ± std; with --out-dir, writes cyclic-global.json and the figure
cyclic-global.svg (mean ± std bands of A1, A3, A5).

Options:
  --datasets N     number of datasets (default 10), seeds --seed … --seed+N−1
  --seed N         first seed (default 1)
  --steps N        training steps (default 4000)
  --eta X          step size (default 0.01)
  --head H         selection (default), gen or ce-frozen
  --optimizer O    ngd (default) or gd
  --init I         default (PyTorch, default) or zero
  --every N        record interval (default 50)
  --backend B      wasm (default) or js
  --out-dir DIR    write cyclic-global.json and cyclic-global.svg there
  --json           print the result as JSON instead of the table
  -h, --help       show this help
`;

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new NtpError('usage', `option ${flag} must be a number (got ${JSON.stringify(v)})`);
  return x;
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
          backend: { type: 'string' }, 'out-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
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
    const eta = num('--eta', values.eta);
    if (eta !== undefined) run.eta = eta;
    const choice = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined => {
      if (v === undefined) return undefined;
      if (!(allowed as readonly string[]).includes(v)) throw new NtpError('usage', `option ${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
      return v as T;
    };
    const head = choice('--head', values.head, ['selection', 'gen', 'ce-frozen'] as const);
    if (head) run.head = head;
    const optimizer = choice('--optimizer', values.optimizer, ['ngd', 'gd'] as const);
    if (optimizer) run.optimizer = optimizer;
    const init = choice('--init', values.init, ['default', 'zero'] as const);
    if (init) run.init = init;
    const backend = choice('--backend', values.backend, ['wasm', 'js'] as const);
    if (backend) run.backend = backend;
    const result = await runGlobalConvergence({
      datasets: parseIntFlag('--datasets', values.datasets),
      firstSeed: parseIntFlag('--seed', values.seed),
      every: parseIntFlag('--every', values.every),
      run,
    });
    const outDir = values['out-dir'];
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
