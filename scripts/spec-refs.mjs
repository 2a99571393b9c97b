#!/usr/bin/env node
// Rewrites every reference to the internal design document ("SPEC §7.3", "(SPEC §11.5)",
// "SPEC B3", "ours [SPEC]", ...) into a reference to the theory page that now carries that
// material: `docs/theory/<page>.md#<anchor>` in code, comments, messages and tests, a relative
// Markdown link in .md files. Sentences that compared with the document's own numbers are
// rewritten from the list below. Idempotent: a second run changes nothing.
//
//   node scripts/spec-refs.mjs            rewrite in place, print each change
//   node scripts/spec-refs.mjs --check    print what would change, write nothing
//
// Exits 1 when some occurrence could not be mapped (it is printed with file and line): add its
// section to SECTIONS or its sentence to SENTENCES and run again.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const check = process.argv.includes('--check');
const WORD = 'SPEC';

/**
 * Section number → [page, anchor (null: the page itself), label for Markdown links, prefix in code
 * (optional)]. Longest prefix wins.
 */
const SECTIONS = {
  '1': ['core', 'data-and-assumptions', 'core theory: data and assumptions'],
  '2': ['core', 'model-and-loss', 'core theory: model and loss'],
  '3': ['core', 'algorithm-1-two-stage-normalized-gd', 'core theory: Algorithm 1'],
  '4': ['core', 'max-margin-directions', 'core theory: max-margin directions'],
  '5': ['core', 'what-the-theory-predicts', 'core theory: what the theory predicts'],
  '6': ['core', 'worked-examples', 'core theory: worked examples'],
  '7': ['cyclic', null, 'cyclic theory'],
  '7.1': ['cyclic', 'model-and-loss', 'cyclic theory: model and heads'],
  '7.2': ['cyclic', 'token-priority-graphs-and-sccs', 'cyclic theory: token-priority graphs'],
  '7.3': ['cyclic', 'the-graph-svm', 'cyclic theory: the graph-SVM'],
  '7.4': ['cyclic', 'the-finite-part', 'cyclic theory: the finite part'],
  '7.5': ['cyclic', 'what-the-theory-predicts', 'cyclic theory: predictions'],
  '7.6': ['cyclic', 'exact-references-and-certificates', 'cyclic theory: exact references'],
  '7.7': ['cyclic', 'training-variants', 'cyclic theory: training variants'],
  '7.8': ['cyclic', 'metrics', 'cyclic theory: metrics'],
  '7.9': ['cyclic', 'li-et-als-global-convergence-experiment', "cyclic theory: Li et al.'s experiment"],
  '7.10': ['cyclic', 'worked-examples', 'cyclic theory: worked examples'],
  '7.10.1': ['cyclic', 'worked-examples', 'cyclic example 1', 'example 1 of '],
  '7.10.2': ['cyclic', 'worked-examples', 'cyclic example 2', 'example 2 of '],
  '7.10.3': ['cyclic', 'worked-examples', 'cyclic example 3', 'example 3 of '],
  '7.10.4': ['cyclic', 'worked-examples', 'cyclic example 4', 'example 4 of '],
  '7.10.5': ['cyclic', 'worked-examples', 'cyclic example 5', 'example 5 of '],
  '7.11': ['cyclic', 'worked-examples', 'cyclic theory: worked examples'],
  '7.11.5': ['cyclic', 'the-graph-svm', 'cyclic theory: one SCC'],
  '7.11.7': ['cyclic', 'the-graph-svm', 'cyclic theory: infeasible graph-SVM'],
  '7.12': ['cyclic', 'differences-from-the-paper', 'cyclic theory: differences'],
  '8': ['factorized', null, 'factorized theory'],
  '8.1': ['factorized', 'model-and-loss', 'factorized theory: model and loss'],
  '8.2': ['factorized', 'the-two-max-margin-problems', 'factorized theory: the two SVMs'],
  '8.3': ['factorized', 'certified-nuclear-norm-solver', 'factorized theory: certified solver'],
  '8.4': ['factorized', 'training', 'factorized theory: training'],
  '8.5': ['factorized', 'metrics', 'factorized theory: metrics'],
  '8.6': ['factorized', 'local-convergence', 'factorized theory: local convergence'],
  '8.6 svm_rank': ['factorized', 'the-rank-study', 'factorized theory: the rank study'],
  '8.7': ['factorized', 'worked-examples', 'factorized theory: worked examples'],
  '8.7.1': ['factorized', 'worked-examples', 'factorized example 1', 'example 1 of '],
  '8.7.2': ['factorized', 'worked-examples', 'factorized example 2', 'example 2 of '],
  '8.7.3': ['factorized', 'worked-examples', 'factorized example 3', 'example 3 of '],
  '8.7.4': ['factorized', 'worked-examples', 'factorized example 4', 'example 4 of '],
  '8.8': ['factorized', 'training', 'factorized theory: training'],
  '8.8 item 3': ['factorized', 'the-two-max-margin-problems', 'factorized theory: feasibility'],
  '8.8 item 8': ['factorized', 'the-two-max-margin-problems', 'factorized theory: the two SVMs'],
  '8.8 item 9': ['factorized', 'the-two-max-margin-problems', 'factorized theory: the two SVMs'],
  '8.9': ['factorized', 'differences-from-the-paper', 'factorized theory: differences'],
  '9': ['factorized', 'exact-gradients-when-the-loss-is-tiny', 'factorized theory: exact gradients'],
  '9.2': ['cyclic', 'ngd-pathologies', 'cyclic theory: NGD pathologies'],
  '10': ['autoregressive', null, 'autoregressive theory'],
  '10.1': ['autoregressive', 'what-is-the-papers-and-what-is-reconstructed', "autoregressive theory: the paper's and the reconstruction"],
  '10.2': ['autoregressive', 'data', 'autoregressive theory: data'],
  '10.3': ['autoregressive', 'model-and-loss', 'autoregressive theory: causal kernel descent'],
  '10.4': ['autoregressive', 'model-and-loss', 'autoregressive theory: trained model'],
  '10.5': ['autoregressive', 'metrics', 'autoregressive theory: metrics'],
  '10.6': ['autoregressive', 'experiments', 'autoregressive theory: experiments'],
  '10.7': ['autoregressive', 'worked-examples', 'autoregressive theory: worked examples'],
  '10.8': ['autoregressive', 'compute', 'autoregressive theory: compute'],
  '10.9': ['autoregressive', 'model-and-loss', 'autoregressive theory: model and loss'],
  '11': ['recall', null, 'recall theory'],
  '11.1': ['recall', 'data', 'recall theory: data'],
  '11.2': ['recall', 'bayes-optimal-predictor-and-closed-forms', 'recall theory: Bayes predictor'],
  '11.3': ['recall', 'model-and-loss', 'recall theory: model and loss'],
  '11.4': ['recall', 'training', 'recall theory: training'],
  '11.5': ['recall', 'bayes-optimal-predictor-and-closed-forms', 'recall theory: closed forms'],
  '11.6': ['recall', 'at-the-papers-size', "recall theory: at the paper's size"],
  '11.7': ['recall', 'worked-examples', 'recall theory: worked examples'],
  '11.8': ['recall', 'token-space', 'recall theory: token space'],
  '11.9': ['recall', 'training', 'recall theory: training'],
};

/** Metric families named without a section (SPEC B3, SPEC A5). */
const METRICS = { A: '7.8', B: '8.5' };

/**
 * Exact sentences that compared with the document's own numbers or read badly once the name goes:
 * [file (relative path) or '*', old text, new text]. Applied before the generic rules.
 */
const SENTENCES = [
  ['README.md', 'SPEC §8.4\'s remark that λ = eps\n  "has no numerical effect" does not hold for this loop; the spec\'s own §8.6 re-run matches ours\n  only with λ = eps.',
    'So λ = eps is not\n  numerically inert in this loop, and the numbers above match an independent re-run only with\n  λ = eps ([factorized theory](docs/theory/factorized.md#lambda-equal-to-eps-is-not-inert)).'],
  ['README.md', 'Ours agree (table above), as do the independent re-run\'s numbers printed in SPEC §8.6 for\nt = 2000:', 'Ours agree (table above), as do the numbers of an independent float64 re-run at\nt = 2000:'],
  ['README.md', '(our α̂ = 0.4995, SPEC\'s 0.4854)', '(our α̂ = 0.4995; the independent re-run drew 0.4854)'],
  ['README.md', '| model | measured | SPEC §11.6 |', '| model | measured | independent re-run ([recall theory](docs/theory/recall.md#at-the-papers-size)) |'],
  ['README.md', '| SPEC §11.6 (step 200; later) |', '| independent re-run (step 200; later) |'],
  ['README.md', '| | SPEC §11.5 | measured |', '| | closed form ([recall theory](docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms)) | measured |'],
  ['README.md', 'The paper\'s body was not available: SPEC §10 is a reconstruction,\n**reconstruction R-C**,', 'The paper\'s body was not available: the family is a reconstruction,\n**reconstruction R-C** ([autoregressive theory](docs/theory/autoregressive.md#what-is-the-papers-and-what-is-reconstructed)),'],
  ['README.md', 'Numbers (ours beside SPEC §10.6\'s, which come from numpy\'s `default_rng(0)`; ours from the\npackage\'s seeded generator,', 'Numbers (ours beside those of an independent numpy implementation with `default_rng(0)`, in\nbrackets; ours from the package\'s seeded generator,'],
  ['README.md', 'equal to SPEC\'s 1, √3/2, √3/4, √3/8, √3/16;', 'equal to the exact 1, √3/2, √3/4, √3/8, √3/16;'],
  ['README.md', 'position, SPEC\'s cos²θ = 1/4.', 'position, the exact cos²θ = 1/4.'],
  ['README.md', 'ours [SPEC]', 'ours [numpy]'],
  ['README.md', 'gives\nSPEC\'s exponential-kernel errors to all six printed digits', 'gives\nthe exact exponential-kernel errors of [the worked examples](docs/theory/autoregressive.md#worked-examples) to all six printed digits'],
  ['README.md', '(SPEC: 1.343, 4.321,', '(numpy: 1.343, 4.321,'],
  ['README.md', '(SPEC has no numbers;', '(no reference numbers exist;'],
  ['README.md', 'FLOP from SPEC §10.8,', 'FLOP from [the compute count](docs/theory/autoregressive.md#compute),'],
  ['src/tasks/autoregressive/experiments.ts', 'Each returns plain JSON (our numbers beside SPEC\'s where SPEC gives some) and\n * Vega-Lite figures. SPEC\'s Monte Carlo numbers come from numpy\'s default_rng(0); ours from the',
    'Each returns plain JSON (our numbers beside an independent numpy implementation\'s where it gives\n * some) and Vega-Lite figures. Its Monte Carlo numbers come from numpy\'s default_rng(0); ours from the'],
  ['src/tasks/autoregressive/experiments.ts', 'lines.push(`SPEC (n = ∞):', 'lines.push(`exact (n = ∞):'],
  ['src/tasks/autoregressive/experiments.ts', 'ours [SPEC]', 'ours [numpy]'],
  ['src/tasks/autoregressive/experiments.ts', 'lines.push(`SPEC:      ', 'lines.push(`numpy:     '],
  ['src/tasks/autoregressive/experiments.ts', 'SPEC §10.6 E-C2 numbers (numpy default_rng(0))', 'E-C2 numbers of an independent numpy implementation (default_rng(0))'],
  ['src/tasks/factorized/token-constraints.ts', 'SPEC §4\'s W*_kq problem, whose Frobenius solution', 'the W*_kq problem of docs/theory/core.md#max-margin-directions, whose Frobenius solution'],
  ['test/factorized-engine.test.ts', '(SPEC: ≈ 2930 with the selection loss)', '(≈ 2930 with the selection loss, docs/theory/factorized.md#worked-examples)'],
  ['test/factorized-engine.test.ts', 'SPEC §8.7.3 as package data', 'Non-unique nuclear SVM (docs/theory/factorized.md#worked-examples) as package data'],
  ['test/factorized-engine.test.ts', 'training checks (SPEC §8.7.2 as package data)', 'training checks (docs/theory/factorized.md#worked-examples, example 2 as package data)'],
  ['test/factorized-family.test.ts', 'SPEC §8.6 local convergence, 12 runs at their size: means at t = 2000 within 3·std/√12 of the spec re-run', 'local convergence (docs/theory/factorized.md#local-convergence), 12 runs at their size: means at t = 2000 within 3·std/√12 of an independent re-run'],
  ['*', 'SPEC §4\'s all-inequality form', 'the core family\'s all-inequality form (docs/theory/core.md#max-margin-directions)'],
  ['*', 'SPEC §4 counter-example to Proposition 2', 'Counter-example to Proposition 2 (docs/theory/core.md#proposition-2-is-not-always-exact)'],
  ['*', 'solves SPEC §4 counter-example exactly', 'solves the Proposition 2 counter-example (docs/theory/core.md#proposition-2-is-not-always-exact) exactly'],
  ['*', 'counter-example in SPEC §4)', 'counter-example in docs/theory/core.md#proposition-2-is-not-always-exact)'],
  ['*', '// SPEC §4: constraints a > q, b > c, b > d, b > q under query q.', '// Proposition 2 counter-example (docs/theory/core.md#proposition-2-is-not-always-exact): constraints a > q, b > c, b > d, b > q under query q.'],
  ['*', 'GFLOP/s against SPEC §10.8\'s count', 'GFLOP/s against the count of docs/theory/autoregressive.md#compute'],
  ['*', 'SPEC §8.4\'s', 'docs/theory/factorized.md#training'],
  ['README.md', 'reach SPEC §11.7\'s worked examples', 'reach the [worked examples](docs/theory/recall.md#worked-examples)'],
  ['README.md', 'every u^n_t of SPEC §10.7\'s rotation table', 'every u^n_t of the [rotation table](docs/theory/autoregressive.md#worked-examples)'],
  ['*', 'Solves SPEC §4\'s max-margin problems exactly', 'Solves the max-margin problems of docs/theory/core.md#max-margin-directions exactly'],
  ['*', '(SPEC §4\'s W*_ov, W*_kq on realizable data;', '(W*_ov, W*_kq of docs/theory/core.md#max-margin-directions on realizable data;'],
];

/** Identifiers named after the document: the numbers of the independent numpy implementation. */
const IDENTIFIER = new RegExp(`\\b${WORD}_([A-Z0-9_]+)\\b`, 'g');

const SECTION = String.raw`§(\d+(?:\.\d+)*)(?:\s+item\s+(\d+))?`;
// "SPEC §7.10.1/§7.10.2", "SPEC §8.7.1 and §8.7.2", "SPEC §11.2, §11.5", "SPEC §7.6.4–5", "(SPEC §8.6 `svm_rank`)"
const SECTION_LIST = new RegExp(`(\\()?${WORD}\\s+(${SECTION}(?:–\\d+)?(?:\\s*(?:,|/|and)\\s*${SECTION}(?:–\\d+)?)*)(\\s+\`svm_rank\`)?(\\))?`, 'g');
// "SPEC B3", "SPEC §8.5 B1–B4", "SPEC A1–A10"
const METRIC = new RegExp(`${WORD}\\s+(?:§[\\d.]+\\s+)?([AB])(\\d+(?:–[AB]?\\d+)?)`, 'g');

function lookup(num, item, qualifier) {
  if (qualifier && SECTIONS[`${num} ${qualifier}`]) return SECTIONS[`${num} ${qualifier}`];
  if (item && SECTIONS[`${num} item ${item}`]) return SECTIONS[`${num} item ${item}`];
  const parts = num.split('.');
  for (let k = parts.length; k > 0; k--) {
    const key = parts.slice(0, k).join('.');
    if (SECTIONS[key]) return SECTIONS[key];
  }
  return null;
}

function target(file, [page, anchor, label, prefix], markdown) {
  const path = `docs/theory/${page}.md${anchor ? `#${anchor}` : ''}`;
  if (!markdown) return `${prefix ?? ''}${path}`;
  const rel = relative(dirname(file), `docs/theory/${page}.md`);
  return `[${label}](${rel}${anchor ? `#${anchor}` : ''})`;
}

function rewrite(file, text) {
  let out = text;
  for (const [where, from, to] of SENTENCES) {
    if (where !== '*' && where !== file) continue;
    out = out.split(from).join(file.endsWith('.md') ? to : to.replace(/\[([^\]]+)\]\((docs\/theory\/[^)]+)\)/g, '$2'));
  }
  if (!file.endsWith('.md')) return rewriteGeneric(file, out, false);
  // Markdown: links in prose, plain paths inside fenced or indented code
  let fence = false;
  let code = false;
  let blank = true;
  return out
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) fence = !fence;
      code = fence || (/^( {4}|\t)/.test(line) && (blank || code));
      blank = line.trim() === '';
      return rewriteGeneric(file, line, !code && !/^\s*(```|~~~)/.test(line));
    })
    .join('\n');
}

function rewriteGeneric(file, text, markdown) {
  let out = text.replace(IDENTIFIER, 'NUMPY_$1');
  out = out.replace(METRIC, (m, fam, nums) => {
    const t = SECTIONS[METRICS[fam]];
    return `${fam}${nums} (${target(file, t, markdown)})`;
  });
  out = out.replace(SECTION_LIST, (m, open, list, _n, _i, _n2, _i2, qual, close, offset, whole) => {
    // a possessive ("SPEC §10.8's count") needs a reworded sentence: left for the report below
    if (/^['’]s\b/.test(whole.slice(offset + m.length))) return m;
    const qualifier = qual ? 'svm_rank' : null;
    const refs = [];
    for (const s of list.matchAll(new RegExp(SECTION, 'g'))) {
      const t = lookup(s[1], s[2], qualifier);
      if (!t) return m; // left for the report below
      const r = target(file, t, markdown);
      if (!refs.includes(r)) refs.push(r);
    }
    const body = (refs.length === 2 ? refs.join(' and ') : refs.join(', ')) + (qual ?? '');
    return open && close ? `(${body})` : `${open ?? ''}${body}${close ?? ''}`;
  });
  // bare mentions without a section ("Differs from SPEC", "SPEC says", "ours [SPEC]") go to the
  // page of the family the file belongs to; possessives and unknown families are left for the report
  const family = /(cyclic|factorized|recall|autoregressive)/.exec(file)?.[1];
  if (family) {
    const page = [family, null, `${family} theory`];
    out = out.replace(new RegExp(`\\[${WORD}\\]`, 'g'), family === 'autoregressive' ? '[numpy]' : '[reference]');
    out = out.replace(new RegExp(`\\b${WORD}\\b(?!['’]s)(?!\\s*§)`, 'g'), () => target(file, page, markdown));
  }
  return out;
}

const TEXT = /\.(md|ts|mts|mjs|js|cjs|json|html|css|svg|ya?ml|sh|txt)$/;
function walk(dir) {
  const abs = join(root, dir);
  let st;
  try {
    st = statSync(abs);
  } catch {
    return [];
  }
  if (st.isFile()) return [dir];
  const out = [];
  for (const name of readdirSync(abs).sort()) {
    if (name === 'node_modules' || name === 'dist' || name === 'results' || name.startsWith('.')) continue;
    const rel = join(dir, name);
    if (rel === join('docs', 'theory')) continue;
    if (statSync(join(root, rel)).isDirectory()) out.push(...walk(rel));
    else if (TEXT.test(name)) out.push(rel);
  }
  return out;
}

const files = [...walk('README.md'), ...walk('CHANGELOG.md'), ...walk('src'), ...walk('examples'), ...walk('test'), ...walk('bench'), ...walk('docs'), ...walk('assembly')];
let changed = 0;
const unmapped = [];
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  if (!text.includes(WORD)) continue;
  const out = rewrite(file, text);
  if (out !== text) {
    const before = text.split('\n');
    const after = out.split('\n');
    if (before.length === after.length) {
      before.forEach((line, i) => {
        if (line !== after[i]) console.log(`${file}:${i + 1}\n  - ${line.trim()}\n  + ${after[i].trim()}`);
      });
    } else console.log(`${file}: rewritten (${before.length} → ${after.length} lines)`);
    changed++;
    if (!check) writeFileSync(join(root, file), out);
  }
  out.split('\n').forEach((line, i) => {
    if (new RegExp(`\\b${WORD}\\b`).test(line)) unmapped.push(`${file}:${i + 1}: ${line.trim()}`);
  });
}
console.log(`${changed} file(s) ${check ? 'would change' : 'changed'}`);
if (unmapped.length) {
  console.log(`\n${unmapped.length} occurrence(s) not mapped (add the section to SECTIONS or the sentence to SENTENCES):`);
  for (const u of unmapped) console.log(`  ${u}`);
  process.exit(1);
}
