// Runs Algorithm 1 off the main thread so the page stays responsive. The Trainer advances in
// short chunks; between chunks the worker yields to its message queue, which is where a
// "stop" gets in, and "resume" continues the very same Trainer.
import { finish, type Trainer } from 'ntp-dynamics';
import { createTrainer } from './families/core.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** Wall time one chunk should take: short enough for a prompt stop, long enough to amortize posting. */
const CHUNK_MS = 30;

interface Run {
  trainer: Trainer;
  paused: boolean;
  looping: boolean;
}

let current: Run | null = null;

const post = (msg: FromWorker) => self.postMessage(msg);

// A MessageChannel round trip yields to the event loop without setTimeout's 4 ms clamp.
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

async function start(msg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  current?.trainer.dispose();
  current = null;
  const { trainer, fallback } = await createTrainer(msg.dataset, { ...msg.settings });
  const run: Run = { trainer, paused: false, looping: false };
  current = run;
  const { model, embedding, maxMargin, reference } = trainer;
  post({
    type: 'ready',
    backend: model.backend,
    precision: model.precision,
    fallback,
    threads: model.threads ?? 1,
    threadNote: model.threadNote ?? null,
    V: model.V,
    d: model.d,
    E: embedding.E,
    progress: trainer.progress,
    target: reference.Wkq ? { Wkq: reference.Wkq, label: reference.label, prop2Gap: maxMargin?.prop2Gap ?? null } : null,
  });
  await loop(run);
}

async function loop(run: Run): Promise<void> {
  if (run.looping) return;
  run.looping = true;
  const { trainer } = run;
  let chunk = trainer.options.every;
  try {
    while (!trainer.done && !run.paused) {
      const t = performance.now();
      const records = trainer.advance(chunk);
      const ms = performance.now() - t;
      if (records.length > 0) post({ type: 'records', records, progress: trainer.progress });
      // steer the chunk toward CHUNK_MS, in whole recording periods
      const every = trainer.options.every;
      const scaled = ms > 0 ? (chunk * CHUNK_MS) / ms : chunk * 2;
      chunk = Math.max(every, Math.min(chunk * 2, Math.round(scaled / every) * every));
      await yieldToEvents();
      // a new "start" replaced this run (and disposed its trainer) while we yielded
      if (current !== run) return;
    }
    postResult(run);
  } finally {
    run.looping = false;
  }
}

function postResult(run: Run): void {
  const r = finish(run.trainer);
  const last = r.stage2.at(-1) ?? r.stage1.at(-1);
  post({
    type: 'result',
    done: run.trainer.done,
    progress: run.trainer.progress,
    parameters: r.parameters,
    finalLoss: last ? last.loss : null,
    outcome: r.outcome,
    trainingMs: r.trainingMs,
    generalization: r.generalization?.accuracy ?? null,
  });
}

function fail(e: unknown): void {
  post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'start':
      start(msg).catch(fail);
      break;
    case 'stop':
      if (current) current.paused = true;
      break;
    case 'resume':
      if (current && !current.trainer.done) {
        current.paused = false;
        loop(current).catch(fail);
      }
      break;
  }
});
