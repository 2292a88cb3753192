// The replay backend: answers with a trace recorded earlier on a real FreeBSD, stored as
// reference/<release>/<program-id>.trace.json. It refuses traces without full provenance and
// traces whose ops differ from the program's current lowering (the scenario changed since).

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { RawTraceSchema, type Op, type RawTrace } from "../harness/ops.ts";
import { BackendUnavailableError, KernelPanicTraceError, type Backend, type ProgramRef } from "./backend.ts";

export interface ReplayOptions {
  /** e.g. "10.4-RELEASE": the folder under `root`. */
  release: string;
  /** Default "reference". */
  root?: string;
  /** Accept traces the twin made (test fixtures only; reference/ must hold FreeBSD's). */
  allowTwinMade?: boolean;
}

/** No trace recorded for this program and release: the scenario is skipped, not failed. */
export class TraceMissingError extends BackendUnavailableError {}

/** A trace exists but cannot be used (bad JSON, no provenance, stale ops). */
export class TraceInvalidError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "TraceInvalidError";
  }
}

export function traceFile(root: string, release: string, programId: string): string {
  return join(root, release, `${programId}.trace.json`);
}

export function createReplayBackend(opts: ReplayOptions): Backend {
  const root = opts.root ?? "reference";
  const name = `replay:${opts.release}`;
  return {
    name,
    async run(ops: readonly Op[], program: ProgramRef): Promise<RawTrace> {
      const file = traceFile(root, opts.release, program.id);
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch {
        throw new TraceMissingError(
          name,
          `no trace recorded for ${program.id} on ${opts.release} (${file}); record one with --backend freebsd`,
        );
      }
      const trace = readTrace(file, text, opts.allowTwinMade ?? false);
      if (trace.program !== program.id) {
        throw new TraceInvalidError(file, `records program "${trace.program}", expected "${program.id}"`);
      }
      // A kernel that panicked ran the ops before the panicking one; the rest never ran.
      const ran = trace.panic ? [...trace.ops, trace.panic.op] : trace.ops;
      const stale = ran.findIndex((op, i) => !isDeepStrictEqual(op, ops[i]));
      if (
        stale !== -1 ||
        (trace.panic === undefined && ran.length !== ops.length) ||
        ran.length > ops.length
      ) {
        const at = stale === -1 ? Math.min(ops.length, ran.length) : stale;
        throw new TraceInvalidError(
          file,
          `was recorded from different ops (first difference at op ${at}); the scenario changed since: record it again`,
        );
      }
      if (trace.panic) throw new KernelPanicTraceError(trace.panic.message, trace);
      return trace;
    },
    async close(): Promise<void> {},
  };
}

/** Parses and checks one trace file's text. */
export function readTrace(file: string, text: string, allowTwinMade: boolean): RawTrace {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TraceInvalidError(file, `not JSON: ${(e as Error).message}`);
  }
  const r = RawTraceSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new TraceInvalidError(
      file,
      `not an inconf-trace/1 trace: ${first.path.map(String).join(".") || "(top)"}: ${first.message}`,
    );
  }
  const t = r.data;
  if (t.results.length !== t.ops.length) {
    throw new TraceInvalidError(file, `${t.ops.length} ops but ${t.results.length} results`);
  }
  if (t.provenance.release === "twin" || t.backend === "twin") {
    if (!allowTwinMade)
      throw new TraceInvalidError(
        file,
        "was made by the twin; reference traces must come from a real FreeBSD",
      );
  } else if (t.provenance.imageSha256 === undefined && t.provenance.kernelSha256 === undefined) {
    throw new TraceInvalidError(
      file,
      "provenance lacks imageSha256 and kernelSha256: a reference trace must name the exact image or kernel it ran on",
    );
  }
  return t;
}
