export { figure2Spec, compileFigure2, ONE_MINUS_COS_FLOOR, PANEL_WIDTH, PANEL_HEIGHT } from './spec.js';
export { renderFigure2Svg, renderVegaLiteSvg } from './svg.js';
export type { FigureInput, Stage1Point, Stage2Point } from './types.js';
