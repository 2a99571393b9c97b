import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { NtpError } from '../errors.js';
import { writeFilesAtomic, type OutputFile } from '../io/files.js';
import { localConvergenceExperiment, localConvergenceTable, rankStudy, type RankPoint } from '../tasks/factorized/experiments.js';
import { validateLocalConvergence } from '../tasks/factorized/local-convergence.js';
import { type CliIO, parseCommandArgs, parseFloatFlag, parseIntFlag, processIO, runCommand } from './io.js';

export const FACTORIZED_USAGE = `Usage: ntp factorized EXPERIMENT --out DIR [options]

Factorized attention W = K·Qᵀ vs W, against exact Frobenius and certified nuclear-norm SVMs
(Tarzanagh et al. 2023; docs/theory/factorized.md#local-convergence). Writes DIR/EXPERIMENT.json, .md (table) and .svg (figure).

Experiments:
  local   their local_converge: W and (K,Q) trained by per-parameter NGD on random instances,
          correlations with the local SVMs of the tokens each selected (mean ± std over runs)
  rank    their svm_rank: ranks of the global Frobenius and nuclear SVMs vs d

Options (local):
  --runs N      random instances, seeds 0…N−1 (default 100)
  --steps N     iterations (default 2000)
  --every N     record interval (default 10)
  --n N --T N --d N   sizes (default 6, 8, 10)
  --m N         inner dimension of K, Q ∈ R^{d×m} (default d)
  --lr X        step size (default 0.1)
  --lambda-kq X penalty λ(‖K‖²+‖Q‖²) of the (K,Q) run (default 2.22e-16, their code's)
  --eps X       guard of the normalized step lr·g/(‖g‖+eps) (default 2.22e-16, their code's)
Options (rank):
  --runs N      instances per point (default 100)
  --ds LIST     dimensions, comma-separated (default 1,2,3,4,5,10,15,20)
Common:
  --workers N   run the instances on N worker threads (default: every core)
  --out DIR     output directory (required)
  --no-figure   skip the SVG
  -h, --help    show this help
`;

/** `ntp factorized` */
export async function runFactorized(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('factorized', io, async () => {
    const { values, positionals } = parseCommandArgs('factorized', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: {
          out: { type: 'string' },
          runs: { type: 'string' },
          steps: { type: 'string' },
          every: { type: 'string' },
          n: { type: 'string' },
          T: { type: 'string' },
          d: { type: 'string' },
          m: { type: 'string' },
          lr: { type: 'string' },
          ds: { type: 'string' },
          'lambda-kq': { type: 'string' },
          eps: { type: 'string' },
          workers: { type: 'string' },
          'no-figure': { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      io.stdout(FACTORIZED_USAGE);
      return 0;
    }
    if (positionals.length !== 1 || !['local', 'rank'].includes(positionals[0])) {
      throw new NtpError('usage', `ntp factorized needs one experiment, "local" or "rank"${positionals.length ? ` (got ${positionals.map((p) => JSON.stringify(p)).join(' ')})` : ''}`);
    }
    if (values.out === undefined) throw new NtpError('usage', 'ntp factorized needs --out DIR');
    const out = values.out;
    const figure = !values['no-figure'];
    const runs = parseIntFlag('--runs', values.runs);
    const workers = parseIntFlag('--workers', values.workers);
    if (workers !== undefined && workers < 1) throw new NtpError('usage', `option --workers must be >= 1 (got ${workers})`);
    // the runs go to the sweep engine's worker pool, every core by default
    const { sweepRunner } = await import('../sweep/results.js');
    const files: OutputFile[] = [];
    if (positionals[0] === 'local') {
      const config: Record<string, number> = {};
      for (const key of ['steps', 'n', 'T', 'd', 'm'] as const) {
        const v = parseIntFlag(`--${key}`, values[key]);
        if (v !== undefined) config[key] = v;
      }
      const lr = parseFloatFlag('--lr', values.lr);
      if (lr !== undefined) config.lr = lr;
      const lambdaKQ = parseFloatFlag('--lambda-kq', values['lambda-kq']);
      if (lambdaKQ !== undefined) config.lambdaKQ = lambdaKQ;
      const eps = parseFloatFlag('--eps', values.eps);
      if (eps !== undefined) config.eps = eps;
      // every option is checked before the first run, so a bad one writes nothing
      validateLocalConvergence({ ...config, seed: 0 });
      const every = parseIntFlag('--every', values.every) ?? 10;
      const runMany = sweepRunner({ workers, onProgress: io.isTTY ? (k, n) => io.stderr(`\rrun ${k}/${n}`) : undefined });
      const e = await localConvergenceExperiment({ ...config, runs, every, runMany });
      if (io.isTTY) io.stderr('\n');
      const table = localConvergenceTable(e);
      files.push({ path: join(out, 'local.json'), content: JSON.stringify(e) + '\n' });
      files.push({ path: join(out, 'local.md'), content: `# Local convergence (${e.runs} runs)\n\n${table}` });
      if (figure) {
        const { renderVegaLiteSvg } = await import('../figure/svg.js');
        const { localConvergenceFigureSpec } = await import('../tasks/factorized/figure.js');
        files.push({ path: join(out, 'local.svg'), content: await renderVegaLiteSvg(localConvergenceFigureSpec(e)) });
      }
      await writeFilesAtomic(files);
      io.stdout(table);
      io.stdout(`${e.runs} runs in ${(e.elapsedMs / 1000).toFixed(1)} s; local SVMs infeasible: W ${e.infeasible.W}, KQ ${e.infeasible.KQ}; wrote ${files.map((f) => f.path).join(', ')}\n`);
      return 0;
    }
    let ds: number[] | undefined;
    if (values.ds !== undefined) {
      ds = values.ds.split(',').map((s) => {
        const d = parseIntFlag('--ds', s);
        if (d === undefined || d < 1) throw new NtpError('usage', `option --ds must list positive integers (got ${JSON.stringify(values.ds)})`);
        return d;
      });
    }
    const points = await rankStudy({ runs, ds, runMany: sweepRunner({ workers, onProgress: io.isTTY ? (k, n) => io.stderr(`\rinstance ${k}/${n}`) : undefined }) });
    if (io.isTTY) io.stderr('\n');
    const table = rankTable(points);
    files.push({ path: join(out, 'rank.json'), content: JSON.stringify(points) + '\n' });
    files.push({ path: join(out, 'rank.md'), content: `# SVM rank study\n\n${table}` });
    if (figure) {
      const { renderVegaLiteSvg } = await import('../figure/svg.js');
      const { rankStudyFigureSpec } = await import('../tasks/factorized/figure.js');
      files.push({ path: join(out, 'rank.svg'), content: await renderVegaLiteSvg(rankStudyFigureSpec(points)) });
    }
    await writeFilesAtomic(files);
    io.stdout(table);
    io.stdout(`wrote ${files.map((f) => f.path).join(', ')}\n`);
    return 0;
  });
}

/** Markdown table of the rank study. */
export function rankTable(points: readonly RankPoint[]): string {
  const lines = ['| series | n | T | d | rank W_F | rank W_* | infeasible | uncertified (max gap) |', '|---|---|---|---|---|---|---|---|'];
  for (const p of points) {
    const f = (b: RankPoint['rankF']) => (b.count ? b.mean.toFixed(2) : 'n/a');
    lines.push(`| ${p.series} | ${p.n} | ${p.T} | ${p.d} | ${f(p.rankF)} | ${f(p.rankStar)} | ${p.infeasible} | ${p.uncertified} (${p.maxGap.toExponential(1)}) |`);
  }
  return lines.join('\n') + '\n';
}
