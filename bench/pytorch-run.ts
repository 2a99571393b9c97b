// Runs one of the batched PyTorch implementations in bench/pytorch/ for a side-by-side row, and
// checks that it computes what the package computes before its time is used: the bench writes
// the package's input (weights and batch) to a temporary JSON file, the script answers with its
// loss and gradients (or predictions) on that input, and every value must agree with the
// package's to a relative tolerance (of the largest magnitude of the compared array). A mismatch
// throws: no ratio is ever printed for different work.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's PyTorch lives in the system Python (a pyenv `python3` earlier on PATH lacks it). */
export const PYTHON = '/usr/bin/python3';

/** Relative tolerance of the agreement check: f64 to 1e-9; f32 to what float32 rounding of a long sum leaves. */
export const CHECK_RTOL = { f64: 1e-9, f32: 2e-4 } as const;

/** The PyTorch version, or null when `/usr/bin/python3 -c 'import torch'` fails. */
export function torchVersion(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** What a script prints: its timing, the BLAS it ran on, and what it computed on the check input. */
export interface TorchResult {
  torch: string;
  threads: number;
  blas: string[];
  cpuMs: number;
  wallMs: number;
  [key: string]: unknown;
}

/** Runs bench/pytorch/<script> with `args`, handing it `check` as the JSON file of --check. */
export function runTorch(script: string, args: string[], check?: object): TorchResult {
  const path = fileURLToPath(new URL(`../../bench/pytorch/${script}`, import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'ntp-torch-'));
  try {
    const extra: string[] = [];
    if (check) {
      const file = join(dir, 'check.json');
      writeFileSync(file, JSON.stringify(check));
      extra.push('--check', file);
    }
    // one thread for every BLAS PyTorch may load
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const r = spawnSync(PYTHON, [path, ...args, ...extra], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`PyTorch ${script} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    return JSON.parse(r.stdout) as TorchResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A short name for the BLAS a PyTorch run loaded ("openblas", "reference" for Debian's
 * libblas.so.3 from the blas/ directory, else the library's file name), for result file names.
 */
export function blasName(blas: string[]): string {
  if (blas.some((p) => /openblas/i.test(p))) return 'openblas';
  if (blas.some((p) => /\/blas\/libblas\.so/.test(p))) return 'reference';
  return blas.length > 0 ? blas[0].split('/').pop()!.replace(/\.so.*$/, '') : 'none';
}

/** A section's result file beside PyTorch rows: `name.json` on Debian's reference BLAS, `name-BLAS.json` on another (blasName). */
export function torchResultFile(name: string, blas: string): string {
  return `${name}${blas === 'reference' ? '' : `-${blas}`}.json`;
}

/**
 * Throws unless max_i |a_i − b_i| ≤ rtol · max_i |a_i| (a: the package's values, b: PyTorch's).
 * Returns the relative deviation.
 */
export function agree(what: string, a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): number {
  if (a.length !== b.length) throw new Error(`PyTorch check failed: ${what} has ${b.length} values, the package ${a.length}`);
  let scale = 0;
  let dev = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) throw new Error(`PyTorch check failed: ${what}[${i}] is ${b[i]} in PyTorch, ${a[i]} in the package`);
    scale = Math.max(scale, Math.abs(a[i]));
    dev = Math.max(dev, Math.abs(a[i] - b[i]));
  }
  const rel = scale > 0 ? dev / scale : dev;
  if (!(rel <= rtol)) throw new Error(`PyTorch check failed: ${what} differs from the package's by ${rel.toExponential(2)} of its largest value (tolerance ${rtol}): not the same computation, no row`);
  return rel;
}
