/**
 * The one error type the package throws for bad input or numerical trouble.
 * `code` lets callers (and the CLI) tell kinds apart without parsing messages.
 */
export class NtpError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'NtpError';
    this.code = code;
  }
}
