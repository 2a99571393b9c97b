import type { Spec as VegaSpec } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import type { VegaLiteSpec } from './spec-type.js';
import { loadVega, loadVegaLite } from './peers.js';
import { figure2Spec } from './spec.js';
import type { FigureInput } from './types.js';

/**
 * Renders a compiled Vega spec to a standalone SVG string with a headless vega View
 * (`renderer: 'none'`), so it works in Node without a DOM or canvas, and in the browser too.
 */
async function renderVegaSvg(spec: VegaSpec): Promise<string> {
  const { View, parse } = await loadVega();
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders Figure 2 to a standalone SVG string (white background). Needs the optional peers vega
 * and vega-lite; rejects with NtpError `missing-peer` (saying how to install them) without them.
 */
export async function renderFigure2Svg(input: FigureInput): Promise<string> {
  return renderVegaLiteSvg(figure2Spec(input));
}

/**
 * Renders any Vega-Lite spec to a standalone SVG string: the one drawing path for every
 * figure of the package (task families build a Vega-Lite spec and call this). Needs the optional
 * peers vega and vega-lite; rejects with NtpError `missing-peer` without them.
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec | VegaLiteSpec): Promise<string> {
  const [{ compile }] = await Promise.all([loadVegaLite(), loadVega()]);
  // Vega-Lite's warnings (an encoding a mark ignores) would reach the user's terminal; they are
  // the package's to fix, and the figure tests fail on them (vegaLiteWarnings)
  return renderVegaSvg(compile(spec as TopLevelSpec, { logger: collectingLogger([]) }).spec);
}

/** What Vega-Lite warns about while compiling `spec`: empty for every figure the package draws. */
export async function vegaLiteWarnings(spec: TopLevelSpec | VegaLiteSpec): Promise<string[]> {
  const { compile } = await loadVegaLite();
  const warnings: string[] = [];
  compile(spec as TopLevelSpec, { logger: collectingLogger(warnings) });
  return warnings;
}

function collectingLogger(into: string[]) {
  let level = 2;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    warn(...args: unknown[]) {
      into.push(args.map(String).join(' '));
      return logger;
    },
    error(...args: unknown[]) {
      into.push(args.map(String).join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger as never;
}
