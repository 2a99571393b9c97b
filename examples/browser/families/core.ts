// The core family (Huang, Liang & Yang 2024, Algorithm 1) in the lab: the Trainer, advanced in
// chunks by worker.ts, docs/theory/core.md. The lab's only contact with the family's training API.
import { NtpError, Trainer, type Dataset, type TrainerOptions } from 'ntp-dynamics';

/** A Trainer for the run; a browser without WebAssembly SIMD still gets one (js), with the reason. */
export async function createTrainer(dataset: Dataset, opts: TrainerOptions): Promise<{ trainer: Trainer; fallback: string | null }> {
  try {
    return { trainer: await Trainer.create(dataset, opts), fallback: null };
  } catch (e) {
    if ((opts.backend ?? 'wasm') === 'wasm' && e instanceof NtpError && (e.code === 'no-simd' || e.code === 'no-wasm')) {
      return { trainer: await Trainer.create(dataset, { ...opts, backend: 'js' }), fallback: e.message };
    }
    throw e;
  }
}
