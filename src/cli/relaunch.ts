import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Node's flag that makes WebAssembly memories reserve what they may grow to, not ~10 GiB each. */
export const NO_GUARD_FLAG = '--disable-wasm-trap-handler';

/** Address space below which V8's guard regions (about 10 GiB per WebAssembly memory) cannot be afforded. */
const GUARDED_ADDRESS_SPACE = 64 * 2 ** 30;

/** The soft address-space limit (`ulimit -v`) in bytes, Infinity when unlimited or unknown (non-Linux). */
export function addressSpaceLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max address space'));
    const soft = line?.slice('Max address space'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return Infinity;
  }
}

/** Whether this process would fail to reserve WebAssembly memories (guard regions under an address-space limit). */
export function needsNoGuardRegions(): boolean {
  if (process.execArgv.includes(NO_GUARD_FLAG) || !process.allowedNodeEnvironmentFlags?.has(NO_GUARD_FLAG)) return false;
  if (process.env.NTP_RELAUNCHED === '1') return false;
  if (addressSpaceLimit() < GUARDED_ADDRESS_SPACE) return true;
  try {
    new WebAssembly.Memory({ initial: 1 });
    return false;
  } catch {
    return true;
  }
}

/**
 * Runs this command again in a node with {@link NO_GUARD_FLAG} (same script, arguments, stdio and
 * environment) and resolves to its exit code; a child ended by a signal ends this process by it.
 */
export function relaunchWithoutGuards(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [NO_GUARD_FLAG, ...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NTP_RELAUNCHED: '1' },
    });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const handlers = signals.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on('error', (e) => {
      process.stderr.write(`error: could not relaunch node with ${NO_GUARD_FLAG}: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      if (signal) process.kill(process.pid, signal);
      else resolve(code ?? 1);
    });
  });
}
