// The theory pages (docs/theory/): every `docs/theory/<page>.md#anchor` reference in the README,
// the sources, the examples and the docs resolves to a heading under GitHub's slug rules; the
// internal document's name appears nowhere that ships; each page has the mandatory sections; and
// the numbers a page quotes from a computation are what the code computes.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ckdPredictions, kaczmarzPredictions } from '../src/tasks/autoregressive/references.js';
import { generateSequences } from '../src/tasks/autoregressive/data.js';
import { errorCurve } from '../src/tasks/autoregressive/metrics.js';

const root = new URL('../', import.meta.url).pathname;
const PAGES = ['core', 'cyclic', 'factorized', 'recall', 'autoregressive'] as const;
const MANDATORY = ['Model and loss', 'Metrics', 'Worked examples', 'Papers', 'Differences from the paper'];
const TEXT = /\.(md|ts|mts|mjs|js|cjs|json|html|css|svg|ya?ml|sh|txt)$/;
// spelled in pieces so that this file does not itself carry the word it looks for
const INTERNAL = ['S', 'P', 'E', 'C'].join('');

/** Every text file under dir (relative to the repository), skipping build output and dependencies. */
function walk(dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  if (statSync(abs).isFile()) return [dir];
  const out: string[] = [];
  for (const name of readdirSync(abs)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...walk(rel));
    else if (TEXT.test(name)) out.push(rel);
  }
  return out;
}

/**
 * GitHub's heading anchors: lowercase, drop punctuation (everything but letters, digits, spaces,
 * `-` and `_`), spaces to `-`; a repeated slug gets `-1`, `-2`, … in order of appearance.
 */
function slugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const m = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base);
    out.add(n === undefined ? base : `${base}-${n}`);
    seen.set(base, (n ?? 0) + 1);
  }
  return out;
}

interface Ref {
  file: string;
  line: number;
  page: string;
  anchor: string | null;
}

/** `docs/theory/<page>.md#anchor` mentions (plain or inside a relative link), and inside docs/theory the relative links `page.md#a` and `#a`. */
function references(file: string): Ref[] {
  const text = readFileSync(join(root, file), 'utf8');
  const refs: Ref[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/docs\/theory\/([A-Za-z0-9_-]+\.md)(?:#([A-Za-z0-9_\-\p{L}]+))?/gu)) refs.push({ file, line: i + 1, page: m[1], anchor: m[2] ?? null });
    if (file.startsWith('docs/theory/')) {
      for (const m of line.matchAll(/\]\((?!https?:|\.\.|docs\/)([A-Za-z0-9_-]+\.md)?(?:#([A-Za-z0-9_\-\p{L}]+))?\)/gu)) {
        refs.push({ file, line: i + 1, page: m[1] ?? relative('docs/theory', file), anchor: m[2] ?? null });
      }
    }
  });
  return refs;
}

describe('docs/theory references', () => {
  const files = ['README.md', ...walk('src'), ...walk('examples'), ...walk('docs')];
  const refs = files.flatMap(references);

  it('the slugger follows GitHub: punctuation dropped, spaces to -, duplicates numbered', () => {
    expect([...slugs('# Model and loss\n## The finite part W_fin\n### Rank of `W`, σ!\n## Model and loss\n# Model and loss\n```\n# not a heading\n```')]).toEqual([
      'model-and-loss', 'the-finite-part-w_fin', 'rank-of-w-σ', 'model-and-loss-1', 'model-and-loss-2',
    ]);
  });

  it('finds references to check (the index and the pages link to each other)', () => {
    expect(refs.filter((r) => r.file.startsWith('docs/theory/')).length).toBeGreaterThan(10);
  });

  it('every referenced page exists and every anchor is one of its headings', () => {
    const bad: string[] = [];
    const cache = new Map<string, Set<string> | null>();
    for (const r of refs) {
      const path = join(root, 'docs/theory', r.page);
      if (!cache.has(r.page)) cache.set(r.page, existsSync(path) ? slugs(readFileSync(path, 'utf8')) : null);
      const heads = cache.get(r.page);
      if (heads === null || heads === undefined) bad.push(`${r.file}:${r.line}: docs/theory/${r.page} does not exist`);
      else if (r.anchor !== null && !heads.has(r.anchor)) bad.push(`${r.file}:${r.line}: docs/theory/${r.page} has no heading #${r.anchor}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('the internal document is never named where it ships', () => {
  it(`no file of src/, docs/, examples/, README.md or CHANGELOG.md contains the word`, () => {
    const files = [...walk('src'), ...walk('docs'), ...walk('examples'), ...walk('assembly'), 'README.md', 'CHANGELOG.md'];
    expect(files.length).toBeGreaterThan(100);
    const hits: string[] = [];
    for (const f of files) {
      readFileSync(join(root, f), 'utf8').split('\n').forEach((line, i) => {
        if (line.includes(INTERNAL)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(hits).toEqual([]);
  });
});

describe('the five pages', () => {
  it.each(PAGES)('%s.md exists with the mandatory sections', (page) => {
    const path = join(root, 'docs/theory', `${page}.md`);
    expect(existsSync(path)).toBe(true);
    const heads = slugs(readFileSync(path, 'utf8'));
    for (const s of MANDATORY) expect(heads, `${page}.md lacks "## ${s}"`).toContain(s.toLowerCase().replace(/ /g, '-'));
  });

  it('the index links every page', () => {
    const index = readFileSync(join(root, 'docs/theory/README.md'), 'utf8');
    for (const page of PAGES) expect(index).toContain(`](${page}.md)`);
  });

  it('ship with the package and appear in the API reference as documents', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('docs/theory');
    const typedoc = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { projectDocuments?: string[] };
    for (const page of ['README', ...PAGES]) expect(typedoc.projectDocuments).toContain(`docs/theory/${page}.md`);
  });
});

describe('numbers the pages quote', () => {
  it('autoregressive: at depth 49 the float64 recursion misses the exact Kaczmarz sweep by about 5e-4 relative in e(50)', () => {
    // E-C2's data (Haar O(5), T = 50, 256 sequences, seed 0), as `ntp autoregressive experiment c2`
    const data = generateSequences({ family: 'haar', d: 5, length: 50, sequences: 256, seed: 0 });
    const deep = errorCurve((x, d, T) => ckdPredictions(x, d, T, { depth: 49, eta: 1 }), data);
    const sweep = errorCurve((x, d, T) => kaczmarzPredictions(x, d, T), data);
    const a = deep.squared[49] as number;
    const b = sweep.squared[49] as number;
    const rel = Math.abs(a - b) / b;
    expect(rel).toBeGreaterThan(1e-4);
    expect(rel).toBeLessThan(1e-3);
    const page = readFileSync(join(root, 'docs/theory/autoregressive.md'), 'utf8');
    expect(page).toContain(`(${rel.toExponential(1).replace('-', '−')}: ${a.toPrecision(5)} against ${b.toPrecision(5)})`);
    // the nilpotency that makes them equal in exact arithmetic holds at short range to rounding
    const short = generateSequences({ family: 'haar', d: 5, length: 8, sequences: 4, seed: 0 });
    const u = errorCurve((x, d, T) => ckdPredictions(x, d, T, { depth: 7, eta: 1 }), short);
    const v = errorCurve((x, d, T) => kaczmarzPredictions(x, d, T), short);
    u.squared.forEach((e, t) => expect(Math.abs((e as number) - (v.squared[t] as number))).toBeLessThan(1e-12));
  });
});
