// Small DOM helpers, so the view modules read as what they show rather than how.

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no element #${id}`);
  return el as T;
}

type Child = Node | string | number | null | undefined;

/** `h('td', { class: 'x' }, 'text')`: an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

/** A number for people: fixed for moderate magnitudes, exponent otherwise. */
export function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2) : x.toFixed(digits);
}

/** Fills `select` with one option per entry (value: its key, text: its label) and picks `chosen`. */
export function fillOptions(select: HTMLSelectElement, entries: Readonly<Record<string, { label: string }>>, chosen: string): HTMLSelectElement {
  select.replaceChildren(...Object.entries(entries).map(([value, e]) => h('option', { value }, e.label)));
  select.value = chosen;
  return select;
}

/** Sets the control `#f` of each field `f` that `values` has to that value; the others keep theirs. */
export function setControls(fields: readonly string[], values: object): void {
  const v = values as Record<string, unknown>;
  for (const f of fields) if (v[f] !== undefined) byId<HTMLInputElement | HTMLSelectElement>(f).value = String(v[f]);
}

/** The number in each box `#f`, by field `f` (an empty box reads NaN, which the run refuses by name). */
export function readNumbers<K extends string>(fields: readonly K[]): Record<K, number> {
  return Object.fromEntries(fields.map((f) => [f, byId<HTMLInputElement>(f).valueAsNumber])) as Record<K, number>;
}
