// Exit codes (docs/cli.md), the error that carries one to main, and the streams a command
// writes to (process.stdout/stderr from the bin; collected strings in tests).

export const EXIT = {
  /** Every scenario passed or diverged only in catalogued ways. */
  ok: 0,
  /** Conformance failures, unknown divergences, regressions or scenario errors. */
  failures: 1,
  /** Bad usage or bad input (program, trace, catalogue). */
  usage: 2,
  /** The backend cannot run here (no VM, no kernel, no recorded traces). */
  unavailable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Where a command writes: the process's streams, or a test's collectors (runCli). */
export interface Io {
  stdout: NodeJS.WritableStream;
  /** isTTY decides whether a progress bar is drawn. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}
