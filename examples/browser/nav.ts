// The navigation every lab page shares: one link per task family, the current one marked.
import { h } from './dom.js';

export type PageName = 'core' | 'cyclic' | 'factorized' | 'recall' | 'autoregressive';

/** Every page of the lab, in the order of the navigation (vite.config.ts builds the same list). */
export const PAGES: ReadonlyArray<{ name: PageName; file: string; title: string }> = [
  { name: 'core', file: 'index.html', title: 'Algorithm 1 (core)' },
  { name: 'cyclic', file: 'cyclic.html', title: 'Cyclic orders' },
  { name: 'factorized', file: 'factorized.html', title: 'Factorized attention' },
  { name: 'recall', file: 'recall.html', title: 'In-context recall' },
  { name: 'autoregressive', file: 'autoregressive.html', title: 'Autoregressive (CKD)' },
];

/** Fills the page's `<nav id="nav">` with the lab's links. */
export function mountNav(current: PageName): void {
  const nav = document.getElementById('nav');
  if (!nav) throw new Error('the page has no <nav id="nav">');
  nav.replaceChildren(
    ...PAGES.map((p) => h('a', p.name === current ? { href: `./${p.file}`, 'aria-current': 'page', 'data-testid': `nav-${p.name}` } : { href: `./${p.file}`, 'data-testid': `nav-${p.name}` }, p.title)),
  );
}
