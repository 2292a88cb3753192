// Exit codes (docs/cli.md) and the error that carries one to main.

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
