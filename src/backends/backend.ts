// One interface for every place a lowered program can run: the twin, a FreeBSD VM, or a
// recorded trace. A backend never interprets expectations; it only executes ops and records.

import type { Op, RawTrace } from "../harness/ops.ts";

/** What a backend needs to know about the program besides its ops. */
export interface ProgramRef {
  readonly id: string;
  readonly title: string;
}

export interface Backend {
  /** "twin", "freebsd", "replay:10.4-RELEASE", ... */
  readonly name: string;
  /** Runs `ops` from a clean state and returns one result per op. Rejects with
   * BackendUnavailableError when the backend cannot run at all (no VM, no trace). */
  run(ops: readonly Op[], program: ProgramRef): Promise<RawTrace>;
  close(): Promise<void>;
}

/** The backend cannot run here (VM missing, trace not recorded); the CLI exits 3 on it. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: string,
    message: string,
  ) {
    super(message);
    this.name = "BackendUnavailableError";
  }
}

/** The backend stopped part-way (the twin failed its own invariant, or panicked): the ops that did run. */
export class PartialTraceError extends Error {
  constructor(
    message: string,
    /** Only the ops that completed, with their results. */
    readonly partial: RawTrace,
  ) {
    super(message);
    this.name = "PartialTraceError";
  }
}

/** The modelled FreeBSD kernel panics on the op after the partial trace: the faithful answer to
 * the input, not a twin bug. The message cites the FreeBSD source that panics. */
export class KernelPanicTraceError extends PartialTraceError {
  constructor(message: string, partial: RawTrace) {
    super(message, partial);
    this.name = "KernelPanicTraceError";
  }
}
