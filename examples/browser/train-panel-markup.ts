// The train panel's HTML, one for every family page: vite.config.ts expands each page's
// `<train-panel>` element into it, at serve and at build time, so the built pages carry the
// panel's controls as plain HTML (and train-panel.ts finds them by id). Runs in Node: strings only.

/** What a page's `<train-panel>` may say about its panel. */
export interface TrainPanelOptions {
  /** the id and test id of the start button (default `train`) */
  button: string;
  /** a progress bar with `step / total` beside the buttons (pages whose worker reports progress) */
  progress: boolean;
  /** the page's own status rows (`<dt>…</dt><dd>…</dd>`), after the run's state */
  rows: string;
}

const ATTRIBUTES = new Set(['button', 'progress']);

/** The panel: backend, precision and threads; train, stop and resume; the run's state and the page's rows. */
export function trainPanelMarkup(o: TrainPanelOptions): string {
  const rows = o.rows.trim() === '' ? [] : o.rows.trim().split('\n').map((line) => `  ${line.trim()}`);
  return [
    '<div class="controls">',
    '  <label>backend',
    '    <select id="backend" data-testid="backend"><option value="wasm">wasm (SIMD)</option><option value="js">js</option></select>',
    '  </label>',
    '  <label>precision',
    '    <select id="precision" data-testid="precision"><option value="f64">f64</option><option value="f32">f32</option></select>',
    '  </label>',
    '  <label>threads <select id="threads" data-testid="threads"></select></label>',
    '  <span id="thread-note" class="meta"></span>',
    '</div>',
    '<div class="controls">',
    `  <button id="${o.button}" type="button" data-testid="${o.button}">train</button>`,
    '  <button id="stop" type="button" data-testid="stop" disabled>stop</button>',
    '  <button id="resume" type="button" data-testid="resume" disabled>resume</button>',
    ...(o.progress ? ['  <progress id="progress" value="0" max="1"></progress>', '  <span id="progress-text" data-testid="progress">0 / 0</span>'] : []),
    '</div>',
    '<dl class="status">',
    '  <dt>run</dt><dd id="status" data-testid="status">idle</dd>',
    ...rows,
    '</dl>',
  ].join('\n');
}

/**
 * Replaces every `<train-panel [button="id"] [progress]>rows</train-panel>` of a page by the panel,
 * at the element's indentation. An attribute it does not know is an error: a misspelt one would
 * otherwise be dropped without a word.
 */
export function expandTrainPanels(html: string, page: string): string {
  const out = html.replace(/^([ \t]*)<train-panel\b([^>]*)>([\s\S]*?)<\/train-panel>/gm, (_, indent: string, attrs: string, rows: string) => {
    const found = new Map([...attrs.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1], m[2] ?? ''] as const));
    for (const name of found.keys()) {
      if (!ATTRIBUTES.has(name)) throw new Error(`${page}: <train-panel> has no attribute "${name}" (it takes: ${[...ATTRIBUTES].join(', ')})`);
    }
    const markup = trainPanelMarkup({ button: found.get('button') || 'train', progress: found.has('progress'), rows });
    return markup.split('\n').map((line) => indent + line).join('\n');
  });
  // one left over (self-closing, or on a line after other markup) would leave the page without its panel
  if (out.includes('<train-panel')) throw new Error(`${page}: a <train-panel> that is not on a line of its own, closed by </train-panel>`);
  return out;
}
