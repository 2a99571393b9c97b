import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { compileFigure2 } from './spec.js';
import type { FigureInput } from './types.js';

/**
 * Renders a compiled Vega spec to a standalone SVG string with a headless vega View
 * (`renderer: 'none'`), so it works in Node without a DOM or canvas, and in the browser too.
 */
async function renderVegaSvg(spec: ReturnType<typeof compileFigure2>): Promise<string> {
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders Figure 2 to a standalone SVG string (white background). */
export async function renderFigure2Svg(input: FigureInput): Promise<string> {
  return renderVegaSvg(compileFigure2(input));
}

/**
 * Renders any Vega-Lite spec to a standalone SVG string: the one drawing path for every
 * figure of the package (task families build a Vega-Lite spec and call this).
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  return renderVegaSvg(compile(spec).spec);
}
