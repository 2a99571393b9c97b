import { createRequire } from 'node:module';

/**
 * The installed package's version, read from its own package.json through the package's
 * self-reference (the same lookup in the sources and in dist/).
 */
export function packageVersion(): string {
  const pkg = createRequire(import.meta.url)('ntp-dynamics/package.json') as { version: string };
  return pkg.version;
}
