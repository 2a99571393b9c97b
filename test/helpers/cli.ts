import type { CliIO } from '../../src/cli/io.js';

/** A CliIO that keeps what a command prints. */
export interface Captured extends CliIO {
  out: string;
  err: string;
}

export function capture(): Captured {
  const io: Captured = {
    out: '',
    err: '',
    isTTY: false,
    stdout(s) {
      io.out += s;
    },
    stderr(s) {
      io.err += s;
    },
  };
  return io;
}
