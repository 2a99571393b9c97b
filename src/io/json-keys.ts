/**
 * Finds the first key that appears twice in one JSON object. JSON.parse keeps the last value
 * silently, so a file with `"count": 1, …, "count": 5` would mean whatever came last; callers
 * refuse such files instead. Expects text that JSON.parse accepted. Returns the key (decoded)
 * and its 1-based line and column, or null.
 */
export function findDuplicateKey(text: string): { key: string; line: number; column: number } | null {
  // per open container: null for an array, the keys seen so far for an object
  const stack: (string[] | Set<string> | null)[] = [];
  let expectKey = false;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 123 /* { */) {
      stack.push([]);
      expectKey = true;
    } else if (c === 91 /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 44 /* , */) {
      expectKey = stack.length > 0 && stack[stack.length - 1] !== null;
    } else if (c === 34 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) {
          escaped = true;
          i++;
        } else if (d === 34) break;
      }
      if (!expectKey) continue;
      expectKey = false;
      const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      const top = stack[stack.length - 1];
      let dup: boolean;
      if (Array.isArray(top)) {
        dup = top.includes(key);
        if (!dup) {
          top.push(key);
          // objects with many keys switch to a set
          if (top.length > 16) stack[stack.length - 1] = new Set(top);
        }
      } else {
        const set = top as Set<string>;
        dup = set.has(key);
        set.add(key);
      }
      if (dup) return { key, line, column: start - lineStart + 1 };
    }
  }
  return null;
}
