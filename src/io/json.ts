/**
 * JSON for files and terminals that people read as well as programs: an array or object whose
 * members are all numbers, strings, booleans or null goes on one line, so a |V|×d matrix is |V|
 * lines (one row each) rather than |V|·d lines of one number. Containers of containers are indented.
 * Parses back to exactly what `JSON.stringify` gives.
 */
export function formatJSON(value: unknown, indent = ' '): string {
  return format(value, '', indent) + '\n';
}

function format(value: unknown, pad: string, indent: string): string {
  const v = toJSONValue(value);
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const inner = pad + indent;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const items = v.map((x) => (x === undefined || typeof x === 'function' ? 'null' : format(x, inner, indent)));
    return isFlat(v) ? `[${items.join(', ')}]` : `[\n${items.map((s) => inner + s).join(',\n')}\n${pad}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function');
  if (entries.length === 0) return '{}';
  const items = entries.map(([k, x]) => `${JSON.stringify(k)}: ${format(x, inner, indent)}`);
  return isFlat(entries.map(([, x]) => x)) ? `{${items.join(', ')}}` : `{\n${items.map((s) => inner + s).join(',\n')}\n${pad}}`;
}

function toJSONValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  return value;
}

function isFlat(xs: readonly unknown[]): boolean {
  return xs.every((x) => { const v = toJSONValue(x); return v === null || typeof v !== 'object'; });
}
