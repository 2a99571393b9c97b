import { NtpError } from '../errors.js';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

/** What to tell a user whose install lacks the charting libraries. */
export const MISSING_PEERS_HINT =
  'drawing figures needs the optional peer dependencies vega and vega-lite: run "npm install vega vega-lite" next to ntp-dynamics';

let vega: Promise<Vega> | null = null;
let vegaLite: Promise<VegaLite> | null = null;

function missing(name: string, e: unknown): NtpError {
  const why = e instanceof Error ? e.message : String(e);
  const err = new NtpError('missing-peer', `${MISSING_PEERS_HINT} (importing ${name} failed: ${why})`);
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}

// The charting libraries are optional peers (about 19 MB): they are imported on the first figure
// drawn, never when the package or the CLI starts, so a default install neither needs nor loads them.

/** vega, imported on first use; rejects with NtpError `missing-peer` when it is not installed. */
export function loadVega(): Promise<Vega> {
  vega ??= import('vega').catch((e: unknown) => {
    vega = null;
    throw missing('vega', e);
  });
  return vega;
}

/** vega-lite, imported on first use; rejects with NtpError `missing-peer` when it is not installed. */
export function loadVegaLite(): Promise<VegaLite> {
  vegaLite ??= import('vega-lite').catch((e: unknown) => {
    vegaLite = null;
    throw missing('vega-lite', e);
  });
  return vegaLite;
}
