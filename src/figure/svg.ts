import { View, parse } from 'vega';
import { compileFigure2 } from './spec.js';
import type { FigureInput } from './types.js';

/**
 * Renders Figure 2 to a standalone SVG string (white background) with a headless vega View
 * (`renderer: 'none'`), so it works in Node without a DOM or canvas, and in the browser too.
 */
export async function renderFigure2Svg(input: FigureInput): Promise<string> {
  const view = new View(parse(compileFigure2(input)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
