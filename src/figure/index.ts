/**
 * `ntp-dynamics/figure`: the paper's Figure 2 as a Vega-Lite spec, and SVG rendering of any
 * Vega-Lite spec. The spec builders need nothing at run time; compiling and rendering import the
 * optional peer dependencies vega and vega-lite on first use and reject with NtpError
 * `missing-peer` (naming the install command) when they are absent.
 * @module ntp-dynamics/figure
 */
export { figure2Spec, compileFigure2, ONE_MINUS_COS_FLOOR, PANEL_WIDTH, PANEL_HEIGHT } from './spec.js';
export { renderFigure2Svg, renderVegaLiteSvg } from './svg.js';
export { MISSING_PEERS_HINT } from './peers.js';
export type { FigureInput, Stage1Point, Stage2Point } from './types.js';
