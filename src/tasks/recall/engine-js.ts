import type { RecallBackend, RecallShape, RecallTensor } from './backend.js';
import { EVAL_FIELDS, allocScratch, evaluate, forwardBackward, type Net } from './kernels/step.js';
import { ngdStep } from './kernels/ngd.js';

/** The pure-TypeScript backend of the recall model (the reference the WebAssembly one is tested against). */
export function createJsBackend(shape: RecallShape, maxBatch: number): RecallBackend {
  const { N, H, f32 } = shape;
  const A = f32 ? Float32Array : Float64Array;
  const n2 = 2 * N;
  const net: Net = { N, H, sigma: shape.sigma, kappa: shape.kappa, useF: shape.useF, f32, W: new A(n2 * n2), V: new A(N * n2), F: new A(N * n2) };
  const gW = new A(n2 * n2);
  const gV = new A(N * n2);
  const gF = new A(N * n2);
  const sc = allocScratch(N, H, f32);
  const tokens = new Int32Array(maxBatch * H);
  const targets = new Int32Array(maxBatch);
  const outputs = new Int32Array(maxBatch);
  const out = new Float64Array(maxBatch * EVAL_FIELDS.length);
  const pairs = { W: [net.W, gW], V: [net.V, gV], F: [net.F, gF] } as const;
  return {
    name: 'js',
    W: net.W, V: net.V, F: net.F, gW, gV, gF, tokens, targets, outputs, maxBatch,
    threads: 1,
    dispose() {},
    forwardBackward: (B, w, v, f) => forwardBackward(net, sc, B, tokens, targets, w ? gW : null, v ? gV : null, f ? gF : null),
    evaluate(B) {
      evaluate(net, sc, B, tokens, targets, outputs, shape.tau, out);
      return out.subarray(0, B * EVAL_FIELDS.length);
    },
    ngd(which: RecallTensor, eta: number) {
      const [w, g] = pairs[which];
      return ngdStep(w, g, w.length, eta);
    },
  };
}
