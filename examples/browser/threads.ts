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
 * cross-origin isolated, or while `backend` is js (which has no threads), the choice is 1 and the
 * note says why.
 */
export function mountThreadControl(select: HTMLSelectElement, note: HTMLElement, backend: HTMLSelectElement): () => number {
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  const isolated = threadsAvailable();
  const max = isolated ? Math.min(cores, MAX_OFFERED) : 1;
  select.replaceChildren(...Array.from({ length: max }, (_, i) => h('option', { value: String(i + 1) }, String(i + 1))));
  const js = () => backend.value === 'js';
  const show = () => {
    select.disabled = max === 1 || js();
    note.textContent = !isolated ? 'one thread: the page is not cross-origin isolated (no SharedArrayBuffer)' : js() ? 'one thread: the js backend has no threads' : `of ${cores} cores`;
  };
  backend.addEventListener('change', show);
  show();
  return () => (js() ? 1 : Number(select.value) || 1);
}
