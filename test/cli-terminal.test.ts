// The built CLI (dist/) as a process in a real terminal: util-linux `script` gives it a pty, the
// test types Ctrl-C into it, and reads everything the terminal received.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const cli = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const hasScript = existsSync('/usr/bin/script');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-tty-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `command` in a pty of 100×30; once `when` appears in the output, types `keys`. */
function inTerminal(command: string, when: RegExp, keys: string): Promise<{ screen: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn('script', ['-qfec', `stty cols 100 rows 30; ${command}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let typed = false;
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      if (!typed && when.test(screen)) {
        typed = true;
        p.stdin.write(keys);
      }
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ screen, code });
    });
  });
}

describe.skipIf(!hasScript)('ntp train in a terminal', () => {
  it('draws the bar with rate and ETA; Ctrl-C stops it, leaves cursor and line wrap as they were, and writes nothing', async () => {
    const out = join(dir, 'run');
    const { screen, code } = await inTerminal(`${process.execPath} ${cli} train --t0 5000000 --t1 10 --no-figure --out ${out}`, /steps\/s {2}ETA \d/, '\x03');
    expect(code).toBe(130); // 128 + SIGINT, as script -e reports it
    expect(screen).toMatch(/\rtraining \[[#-]+\] \d+\/5000010 \d+% {2}[\d.]+k? steps\/s {2}ETA [\dhms.]+ {2}loss \d\.\d{3}e[+-]\d+\x1b\[K/);
    // cursor hidden (?25l) or line wrap off (?7l) would be left so by the kill: neither is ever sent
    expect(screen).not.toMatch(/\x1b\[\?(25|7)l/);
    // no line is wider than the terminal
    for (const frame of screen.split('\r')) expect(frame.replace(/\x1b\[K|\^C/g, '').length, JSON.stringify(frame)).toBeLessThan(100);
    expect(existsSync(out)).toBe(false);
  });
});

describe('ntp in a pipe', () => {
  it('ends quietly with status 0 when the reader closes the pipe early (| head)', async () => {
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', `${process.execPath} ${cli} generate --vocab 300 | head -c 10; echo " status \${PIPESTATUS[0]}"`]);
    expect(stdout).toBe('{\n  "vocab status 0\n');
    expect(stderr).toBe('');
  });
});

describe('ntp start-up', () => {
  /** The modules a CLI run loads, logged by a module-resolution hook (node:module register). */
  async function loaded(args: string[]): Promise<string[]> {
    const log = join(dir, `modules-${args.join('-').replace(/\W/g, '')}.txt`);
    const hooks = join(dir, 'hooks.mjs');
    await writeFile(hooks, `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}
`);
    const register = join(dir, 'register.mjs');
    await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify('file://' + hooks)});\n`);
    await promisify(execFile)(process.execPath, ['--import', register, cli, ...args], { cwd: dir });
    return (await readFile(log, 'utf8')).trim().split('\n');
  }

  it('ntp --help and ntp train --no-figure load neither the figure code nor vega; ntp train loads both', async () => {
    const figureOrVega = (urls: string[]) => urls.filter((u) => /\/figure\/|\/vega/.test(u));
    const help = await loaded(['--help']);
    expect(help.some((u) => u.endsWith('/cli/main.js'))).toBe(true);
    expect(help.filter((u) => /\/src\/(train|engine|dataset)\//.test(u))).toEqual([]);
    expect(figureOrVega(await loaded(['train', '--t0', '10', '--t1', '10', '--no-figure', '--out', join(dir, 'a')]))).toEqual([]);
    const drawn = figureOrVega(await loaded(['train', '--t0', '10', '--t1', '10', '--out', join(dir, 'b')]));
    expect(drawn.some((u) => u.endsWith('/figure/svg.js'))).toBe(true);
    expect(drawn.some((u) => /\/node_modules\/vega\//.test(u))).toBe(true);
  }, 60_000);
});
