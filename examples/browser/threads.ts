// The thread-count control of every page. Threads share a SharedArrayBuffer, which a browser gives
// only to a cross-origin isolated page (COOP/COEP headers, set by vite.config.ts); elsewhere the
// control stays at 1 and says why.
import { h } from './dom.js';

/** Most threads offered: the engine's own limit is higher, but a lab page gains nothing past 8. */
const MAX_OFFERED = 8;

/** Whether this page may train on several threads (it has SharedArrayBuffer). */
export function threadsAvailable(): boolean {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}

/**
 * Fills `select` with 1 … min(cores, 8) and returns a reader of the choice. Where the page is not
 * cross-origin isolated, the choice stays at 1 and the note says why.
 */
export function mountThreadControl(select: HTMLSelectElement, note: HTMLElement): () => number {
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  const why = threadsAvailable() ? null : 'one thread: the page is not cross-origin isolated (no SharedArrayBuffer)';
  const max = why ? 1 : Math.min(cores, MAX_OFFERED);
  select.replaceChildren(...Array.from({ length: max }, (_, i) => h('option', { value: String(i + 1) }, String(i + 1))));
  select.disabled = max === 1;
  note.textContent = why ?? `of ${cores} cores`;
  return () => Number(select.value) || 1;
}
