// The lab imports `ntp-dynamics` as a user would, but from the repository's TypeScript sources,
// so neither `tsc` nor a packed tarball is needed to serve it (the WASM kernels are embedded).
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { expandTrainPanels } from './train-panel-markup.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// the lab's pages, as nav.ts links them
const PAGES = ['index', 'cyclic', 'factorized', 'recall', 'autoregressive'];
const repo = fileURLToPath(new URL('../..', import.meta.url));

// Cross-origin isolation, so that the page gets SharedArrayBuffer and trains on several threads
// (README "Threads"); without it the lab trains on one thread and says so.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// Every family page's `<train-panel>` becomes the one panel (train-panel-markup.ts), in the dev
// server and in the built pages alike; 'pre', so Vite then treats the panel as the page's own HTML.
const trainPanel: Plugin = {
  name: 'ntp-train-panel',
  transformIndexHtml: { order: 'pre', handler: (html, ctx) => expandTrainPanels(html, ctx.path) },
};

export default defineConfig({
  root: here,
  // relative asset URLs: the built lab works from any folder (a docs site, a file server)
  base: './',
  plugins: [trainPanel],
  resolve: {
    alias: [
      { find: /^ntp-dynamics$/, replacement: `${repo}src/index.ts` },
      // the package's `./figure` subpath export, served from its source like the main entry
      { find: /^ntp-dynamics\/figure$/, replacement: `${repo}src/figure/index.ts` },
    ],
  },
  server: { fs: { allow: [repo] }, headers: isolation },
  // the built lab under `vite preview` is cross-origin isolated as well
  preview: { headers: isolation },
  // Pre-bundled up front: discovering them on first page load would make Vite re-optimize
  // and reload the page mid-test.
  optimizeDeps: { include: ['vega', 'vega-lite'] },
  // The worker shares modules with the page; ES workers keep that code-splitting legal.
  worker: { format: 'es' },
  // vega and vega-lite are most of the bundle and are needed up front, so splitting gains nothing
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    // every page of the lab, one per task family (a page missing here is left out of the build)
    rollupOptions: { input: Object.fromEntries(PAGES.map((page) => [page, `${here}${page}.html`])) },
  },
});
