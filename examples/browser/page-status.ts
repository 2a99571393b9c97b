// What an automated test reads from a family page (test/browser/families.test.ts): set from the
// run's messages only, `done` once everything is on screen.
export interface PageStatus {
  done: boolean;
  error: string | null;
  /** the page's headline numbers of the finished run */
  summary: Record<string, unknown>;
}

declare global {
  interface Window {
    __ntpPage: PageStatus;
  }
}

export function pageStatus(): PageStatus {
  const status: PageStatus = { done: false, error: null, summary: {} };
  window.__ntpPage = status;
  return status;
}

/** Shows an error in the page's alert box (or hides it, given null). */
export function showError(box: HTMLElement, message: string | null, level: 'error' | 'warning' = 'error'): void {
  box.hidden = message === null;
  box.className = level === 'error' ? 'error' : 'error warning';
  box.textContent = message ?? '';
}
