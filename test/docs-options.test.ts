// docs/options.md is generated from the families' option schemas: this test fails when it is
// stale (regenerate with UPDATE_DOCS=1 npx vitest run test/docs-options.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { familyOptionsMarkdown } from '../src/family/docs.js';
import { FAMILY_DEFINITIONS } from '../src/tasks/definitions.js';

const HEADER = `# Options of every family command

Generated from the options schemas (\`src/tasks/<family>/options.ts\`): the same declarations give
the API's types, its run-time checks, the CLI's flags and \`--help\`. Every command also takes
\`--out DIR\`, \`--json\` and \`--no-figure\`. Regenerate with
\`UPDATE_DOCS=1 npx vitest run test/docs-options.test.ts\`.
`;

describe('docs/options.md', () => {
  it('is what the schemas say', async () => {
    const defs = await Promise.all(Object.values(FAMILY_DEFINITIONS).map((load) => load()));
    const text = [HEADER, ...defs.map(familyOptionsMarkdown)].join('\n');
    if (process.env.UPDATE_DOCS) writeFileSync(new URL('../docs/options.md', import.meta.url), text);
    expect(readFileSync(new URL('../docs/options.md', import.meta.url), 'utf8')).toBe(text);
  });
});
