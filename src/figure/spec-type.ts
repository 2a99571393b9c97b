/**
 * A Vega-Lite spec as the package's public signatures name it. Structural on purpose: vega-lite is
 * an optional peer dependency, so declarations reachable from the main entry must not import its
 * types (a strict TypeScript project without the peers would fail to compile them).
 * `renderVegaLiteSvg` checks nothing more than vega-lite itself does at run time.
 */
export type VegaLiteSpec = { [key: string]: unknown };
