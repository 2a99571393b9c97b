import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NtpError } from '../errors.js';
import { writeFilesAtomic, type OutputFile } from '../io/files.js';
import { generateSequences, type Family, type Sequences } from '../tasks/autoregressive/data.js';
import { constantSquaredNorm, createCkdTransformer } from '../tasks/autoregressive/construction.js';
import type { CausalTransformer } from '../tasks/autoregressive/transformer.js';
import { experimentC1, experimentC2, experimentC3, experimentC4, type ExperimentResult } from '../tasks/autoregressive/experiments.js';
import { curvesSpec, renderSvg } from '../tasks/autoregressive/figures.js';
import { curveFromPredictions, errorCurve, type ErrorCurve } from '../tasks/autoregressive/metrics.js';
import { checkKernelInputs, ckdPredictions, leastSquaresPredictions, type KernelName } from '../tasks/autoregressive/references.js';
import { trainAutoregressive } from '../tasks/autoregressive/train.js';
import { planReference } from '../tasks/autoregressive/limits.js';
import { type CliIO, EXIT_USAGE, parseChoiceFlag, parseCommandArgs, parseFloatFlag, parseIntFlag, processIO, runCommand } from './io.js';

export const AUTOREGRESSIVE_USAGE = `Usage: ntp autoregressive reference|train|experiment [options]

In-context autoregressive prediction by causal kernel descent: reconstruction R-C of Sander &
Peyré (2024), SPEC §10 (the paper's body was not available; everything is a reconstruction).

ntp autoregressive reference [options]     e(t) of a reference predictor
  --family NAME     rotation, haar (default) or periodic
  --theta X         rotation angle (rotation; default: uniform per sequence)
  --d N             token dimension (haar, periodic; default 5)
  --period P        period (periodic; default 3)
  --kernel NAME     linear (default) or exp
  --depth N|inf     CKD depth n (default inf, the Kaczmarz limit)
  --eta X           CKD step η (default 1)
  --method NAME     ckd (default), ls (in-context least squares), transformer (CKD computed by
                    its transformer realisation: 2 heads, tied weights; needs a finite depth)
  --length T        positions (default 50)
  --sequences S     sequences (default 256; 1 for a rotation with --theta)
  --start NAME      x_1: sphere (default; e1 for rotation), ones, e1
  --seed N          default 0
  --json            print { errors, squaredErrors, status, … } as JSON

ntp autoregressive train [options]         train the n-layer causal transformer (SPEC §10.4)
  --family, --d, --period, --theta, --length as above (defaults haar, 3, 3, -, 20)
  --layers N (2)  --heads H (2)  --attention linear|exp|softmax (linear)  --untied
  --optimizer adam|gd (adam)  --lr X (0.01)  --batch B (64)  --steps N (300)
  --train-sequences N (2048)  --test-sequences N (256)  --every N (10)
  --backend wasm|js (wasm)  --precision f64|f32 (f64)  --seed N (0)
  --out DIR (out/autoregressive)  --json
  Writes DIR/trajectory.json, DIR/trajectory.csv and DIR/errors.svg, all or none.

ntp autoregressive experiment c1|c2|c3|c4 [--out DIR] [--json] [--sequences S] [--seed N]
  c4 also: --layers 1,2,4  --steps N  --d N  --length T  --batch B  --backend wasm|js
  Writes DIR/e-cN.json and its figures (SVG), all or none (default DIR out/autoregressive).
`;

const jsonOf = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';

async function reference(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('autoregressive reference', () =>
    parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        family: { type: 'string' }, theta: { type: 'string' }, d: { type: 'string' }, period: { type: 'string' },
        kernel: { type: 'string' }, depth: { type: 'string' }, eta: { type: 'string' }, method: { type: 'string' },
        length: { type: 'string' }, sequences: { type: 'string' }, start: { type: 'string' }, seed: { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    io.stdout(AUTOREGRESSIVE_USAGE);
    return 0;
  }
  const family = parseChoiceFlag<Family>('--family', values.family, ['rotation', 'haar', 'periodic']) ?? 'haar';
  const kernel = parseChoiceFlag<KernelName>('--kernel', values.kernel, ['linear', 'exp']) ?? 'linear';
  const method = parseChoiceFlag('--method', values.method, ['ckd', 'ls', 'transformer'] as const) ?? 'ckd';
  const depth = values.depth === undefined || values.depth === 'inf' ? Infinity : parseIntFlag('--depth', values.depth)!;
  const eta = parseFloatFlag('--eta', values.eta) ?? 1;
  const theta = parseFloatFlag('--theta', values.theta);
  if (family !== 'rotation' && theta !== undefined) throw new NtpError('usage', 'option --theta applies to --family rotation only');
  const length = parseIntFlag('--length', values.length) ?? 50;
  const sequences = parseIntFlag('--sequences', values.sequences) ?? (family === 'rotation' && theta !== undefined ? 1 : 256);
  const dFlag = parseIntFlag('--d', values.d);
  // sizes that are not positive integers are left to generateSequences, which names them
  if ([length, sequences, dFlag ?? 1].every((v) => Number.isInteger(v) && v >= 1)) {
    planReference({ d: family === 'rotation' ? 2 : dFlag ?? 5, length, sequences, method, depth });
  }
  const data = generateSequences({
    family, theta, d: dFlag, period: parseIntFlag('--period', values.period),
    length,
    sequences,
    start: parseChoiceFlag('--start', values.start, ['sphere', 'ones', 'e1'] as const) ?? (family === 'rotation' ? 'e1' : 'sphere'),
    seed: parseIntFlag('--seed', values.seed) ?? 0,
  });
  let curve: ErrorCurve;
  if (method === 'ls') curve = errorCurve(leastSquaresPredictions, data);
  else if (method === 'ckd') curve = errorCurve((x, d, T) => ckdPredictions(x, d, T, { kernel, depth, eta }), data);
  else {
    if (depth === Infinity) throw new NtpError('usage', 'option --method transformer needs a finite --depth');
    curve = await transformerCurve(data, kernel, depth, eta);
  }
  const out = {
    reconstruction: 'R-C', method, family, kernel: method === 'ls' ? null : kernel, depth: method === 'ls' ? null : depth === Infinity ? 'inf' : depth,
    eta: method === 'ls' ? null : eta, d: data.d, length: data.L - 1, sequences: data.S,
    errors: curve.norm, squaredErrors: curve.squared, status: curve.status, firstUnstable: curve.firstUnstable,
  };
  if (values.json) io.stdout(jsonOf(out));
  else {
    io.stdout(`reconstruction R-C · ${method}${method === 'ls' ? '' : ` · ${kernel} kernel · depth ${out.depth} · η = ${eta}`} · ${family}, d = ${data.d}, T = ${data.L - 1}, ${data.S} sequences\n`);
    io.stdout('t     mean ‖u_t − x_{t+1}‖   e(t) = mean ‖u_t − x_{t+1}‖²\n');
    curve.norm.forEach((v, i) => io.stdout(`${String(i + 1).padEnd(6)}${String(v ?? 'overflow').padEnd(23)}${curve.squared[i] ?? 'overflow'}\n`));
    io.stdout(`status: ${curve.status}${curve.firstUnstable ? ` (from t = ${curve.firstUnstable}; finite depth with η = ${eta} grows transiently)` : ''}\n`);
  }
  return 0;
}

async function transformerCurve(data: Sequences, kernel: KernelName, depth: number, eta: number): Promise<ErrorCurve> {
  const preds: Float64Array[] = [];
  const T = data.L - 1;
  const models = new Map<number, CausalTransformer>();
  for (let s = 0; s < data.S; s++) {
    const x = data.x.subarray(s * data.L * data.d, (s + 1) * data.L * data.d);
    const label = `sequence ${s + 1}`;
    checkKernelInputs(x, data.d, T, kernel, label);
    const n2 = constantSquaredNorm(x, data.d, T, label);
    let model = models.get(n2);
    if (!model) {
      model = await createCkdTransformer(data.d, T, n2, { kernel, depth, eta, backend: 'wasm' });
      models.set(n2, model);
    }
    preds.push(model.predict(x));
  }
  return curveFromPredictions(preds, data);
}

async function train(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('autoregressive train', () =>
    parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        family: { type: 'string' }, theta: { type: 'string' }, d: { type: 'string' }, period: { type: 'string' }, length: { type: 'string' },
        layers: { type: 'string' }, heads: { type: 'string' }, attention: { type: 'string' }, untied: { type: 'boolean' },
        optimizer: { type: 'string' }, lr: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' },
        'train-sequences': { type: 'string' }, 'test-sequences': { type: 'string' }, every: { type: 'string' },
        backend: { type: 'string' }, precision: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    io.stdout(AUTOREGRESSIVE_USAGE);
    return 0;
  }
  const config: Record<string, unknown> = {
    family: parseChoiceFlag('--family', values.family, ['rotation', 'haar', 'periodic'] as const),
    theta: parseFloatFlag('--theta', values.theta), d: parseIntFlag('--d', values.d), period: parseIntFlag('--period', values.period),
    length: parseIntFlag('--length', values.length), layers: parseIntFlag('--layers', values.layers), heads: parseIntFlag('--heads', values.heads),
    attention: parseChoiceFlag('--attention', values.attention, ['linear', 'exp', 'softmax'] as const), tied: values.untied ? false : undefined,
    optimizer: parseChoiceFlag('--optimizer', values.optimizer, ['adam', 'gd'] as const), lr: parseFloatFlag('--lr', values.lr),
    batch: parseIntFlag('--batch', values.batch), steps: parseIntFlag('--steps', values.steps),
    trainSequences: parseIntFlag('--train-sequences', values['train-sequences']), testSequences: parseIntFlag('--test-sequences', values['test-sequences']),
    backend: parseChoiceFlag('--backend', values.backend, ['wasm', 'js'] as const), precision: parseChoiceFlag('--precision', values.precision, ['f64', 'f32'] as const),
    seed: parseIntFlag('--seed', values.seed),
  };
  for (const k of Object.keys(config)) if (config[k] === undefined) delete config[k];
  const every = parseIntFlag('--every', values.every) ?? 10;
  const r = await trainAutoregressive(config, every);
  const T = r.config.length;
  const kernel: KernelName = r.config.attention === 'linear' ? 'linear' : 'exp';
  const kac = errorCurve((x, d, TT) => ckdPredictions(x, d, TT, { kernel, depth: Infinity }), r.test);
  const ls = errorCurve(leastSquaresPredictions, r.test);
  const last = r.records[r.records.length - 1];
  const summary = {
    reconstruction: 'R-C', status: r.status, steps: r.steps, config: r.config, records: r.records,
    errors: r.curve.squared, curveStatus: r.curve.status, kaczmarz: { kernel, errors: kac.squared }, leastSquares: ls.squared,
    params: Array.from(r.model.getParams()),
  };
  const outDir = values.out ?? join('out', 'autoregressive');
  const csv = ['step,loss,testLoss', ...r.records.map((x) => `${x.step},${x.loss ?? ''},${x.testLoss ?? ''}`)].join('\n') + '\n';
  const svg = await renderSvg(curvesSpec(`trained ${r.config.layers}-layer ${r.config.attention} attention (${r.config.tied ? 'tied' : 'untied'}), ${r.config.family}`, 'e(t) = mean ‖u_t − x_{t+1}‖² (test set)', [
    { name: 'trained', values: r.curve.squared }, { name: `Kaczmarz (${kernel} kernel)`, values: kac.squared }, { name: 'least squares', values: ls.squared },
  ]));
  await writeFilesAtomic([
    { path: join(outDir, 'trajectory.json'), content: jsonOf(summary) },
    { path: join(outDir, 'trajectory.csv'), content: csv },
    { path: join(outDir, 'errors.svg'), content: svg },
  ]);
  if (values.json) io.stdout(jsonOf({ reconstruction: 'R-C', status: r.status, steps: r.steps, loss: last.loss, testLoss: last.testLoss, errors: r.curve.squared }));
  else {
    io.stdout(`reconstruction R-C · ${r.config.layers} layers × ${r.config.heads} heads, ${r.config.attention} attention, ${r.config.tied ? 'tied' : 'untied'}, ${r.config.optimizer} lr ${r.config.lr}, ${r.config.backend} ${r.config.precision}\n`);
    io.stdout(`status ${r.status} after ${r.steps} steps; batch loss ${last.loss}, test loss ${last.testLoss}\n`);
    io.stdout(`test e(t) at t = 1, ${Math.ceil(T / 2)}, ${T}: trained ${r.curve.squared[0]}, ${r.curve.squared[Math.ceil(T / 2) - 1]}, ${r.curve.squared[T - 1]}; Kaczmarz e(T) ${kac.squared[T - 1]}; LS e(T) ${ls.squared[T - 1]}\n`);
    io.stdout(`wrote ${join(outDir, 'trajectory.json')}, trajectory.csv, errors.svg\n`);
  }
  return 0;
}

async function experiment(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('autoregressive experiment', () =>
    parseArgs({
      args: argv, strict: true, allowPositionals: true,
      options: {
        out: { type: 'string' }, json: { type: 'boolean' }, sequences: { type: 'string' }, seed: { type: 'string' },
        layers: { type: 'string' }, steps: { type: 'string' }, d: { type: 'string' }, length: { type: 'string' }, batch: { type: 'string' },
        backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    io.stdout(AUTOREGRESSIVE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new NtpError('usage', 'name one experiment: c1, c2, c3 or c4');
  const which = parseChoiceFlag('experiment', positionals[0].toLowerCase(), ['c1', 'c2', 'c3', 'c4'] as const)!;
  const seed = parseIntFlag('--seed', values.seed);
  const sequences = parseIntFlag('--sequences', values.sequences);
  let r: ExperimentResult;
  if (which === 'c1') r = experimentC1();
  else if (which === 'c2') r = experimentC2({ seed, sequences });
  else if (which === 'c3') r = experimentC3({ seed, sequences });
  else {
    const layers = values.layers?.split(',').map((s) => parseIntFlag('--layers', s)!);
    if (layers && layers.some((n) => n < 1)) throw new NtpError('usage', 'option --layers must list integers ≥ 1');
    r = await experimentC4({
      layers, seed, steps: parseIntFlag('--steps', values.steps), d: parseIntFlag('--d', values.d), length: parseIntFlag('--length', values.length),
      batch: parseIntFlag('--batch', values.batch), testSequences: sequences, backend: parseChoiceFlag('--backend', values.backend, ['wasm', 'js'] as const),
    }, values.json ? undefined : (line) => io.stderr(line + '\n'));
  }
  const outDir = values.out ?? join('out', 'autoregressive');
  const files: OutputFile[] = [{ path: join(outDir, `e-${which}.json`), content: jsonOf({ name: r.name, reconstruction: r.reconstruction, ...r.data }) }];
  for (const [stem, spec] of Object.entries(r.figures)) files.push({ path: join(outDir, `${stem}.svg`), content: await renderSvg(spec) });
  await writeFilesAtomic(files);
  if (values.json) io.stdout(jsonOf({ name: r.name, reconstruction: r.reconstruction, ...r.data }));
  else io.stdout(r.lines.join('\n') + `\nwrote ${files.map((f) => f.path).join(', ')}\n`);
  return 0;
}

/** `ntp autoregressive reference|train|experiment` */
export async function runAutoregressive(argv: string[], io: CliIO = processIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout(AUTOREGRESSIVE_USAGE);
    return sub === undefined ? EXIT_USAGE : 0;
  }
  const commands: Record<string, (a: string[], io: CliIO) => Promise<number>> = { reference, train, experiment };
  const run = Object.hasOwn(commands, sub) ? commands[sub] : undefined;
  if (!run) {
    io.stderr(`error: unknown subcommand ${JSON.stringify(sub)} of "ntp autoregressive"\n${AUTOREGRESSIVE_USAGE}`);
    return EXIT_USAGE;
  }
  return runCommand(`autoregressive ${sub}`, io, () => run(rest, io));
}
