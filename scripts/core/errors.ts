// The one error type the tool throws: a code for scripts, a hint a person can act on, and the cause.
export class LabError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: string[];

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; cause?: unknown; details?: string[] } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'LabError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

// Exit codes of the `lab` command, documented in the README.
export const EXIT = {
  ok: 0,
  failed: 1, // a check or drill failed, or the lab file is invalid
  usage: 2, // bad command line
  environment: 3, // preflight: something to install or configure on the host
  interrupted: 130,
} as const;

export function isLabError(e: unknown): e is LabError {
  return e instanceof LabError;
}
