// Runs programs on backends and turns traces into classified findings: `conform` checks one
// backend against the programs' expectations; `compare` diffs two backends.

import {
  BackendUnavailableError,
  KernelPanicTraceError,
  PartialTraceError,
  type Backend,
} from "../backends/backend.ts";
import { TraceMissingError } from "../backends/replay.ts";
import { decodeTrace } from "./decode.ts";
import { diffObservations } from "./diff.ts";
import { catalogueReference, classify, type Divergence } from "./divergences.ts";
import { checkExpectations } from "./expect.ts";
import { findingKey, stepLabel, type Finding, type FindingKey } from "./findings.ts";
import { lowerProgram, type OpOrigin } from "./lower.ts";
import { normalizeInPlace } from "./normalize.ts";
import { programInterfaces } from "./program-check.ts";
import type { Observations } from "./observation.ts";
import type { Op, RawTrace } from "./ops.ts";
import type { Program } from "./program.ts";

/** A finding's standing once the catalogue has been consulted. */
export type Verdict = "failure" | "known" | "unconfirmed" | "regression";

export interface ClassifiedFinding {
  finding: Finding;
  /** What the catalogue matched it on. */
  key: FindingKey;
  verdict: Verdict;
  divergence?: { id: string; status: Divergence["status"]; what: string; file: string };
}

/** "panic": the modelled kernel panicked on a step that did not expect it (`expect.panic`). */
export type ScenarioStatus = "pass" | "known" | "fail" | "skipped" | "error" | "panic";

export interface BackendSide {
  backend: string;
  release: string;
  trace: RawTrace;
  /** Normalized observations (what findings were computed from). */
  obs: Observations;
  /** Normalization rule → values changed. */
  normalization: Record<string, number>;
}

export interface ScenarioResult {
  program: Program;
  status: ScenarioStatus;
  /** One side for `conform`, two (a, b) for `compare`. */
  sides: BackendSide[];
  findings: ClassifiedFinding[];
  /** Why it was skipped or errored. */
  reason?: string;
  durationMs: number;
}

export interface RunHooks {
  onStart?(program: Program, index: number, total: number): void;
  onResult?(result: ScenarioResult, index: number, total: number): void;
}

export { programInterfaces } from "./program-check.ts";

/** A program and its lowering, made once per scenario and shared by everything that runs it. */
interface Lowered {
  program: Program;
  ops: readonly Op[];
  origins: readonly OpOrigin[];
}

function lowered(program: Program): Lowered {
  const { ops, origins } = lowerProgram(program);
  return { program, ops, origins };
}

function sideOf(backend: string, l: Lowered, trace: RawTrace): BackendSide {
  const raw = decodeTrace(trace, l.program, l.origins);
  const { obs, applied } = normalizeInPlace(raw, { interfaces: programInterfaces(l.program) });
  return { backend, release: trace.provenance.release, trace, obs, normalization: applied };
}

async function runSide(backend: Backend, l: Lowered): Promise<BackendSide> {
  return sideOf(backend.name, l, await backend.run(l.ops, l.program));
}

function classifyAll(
  l: Lowered,
  sides: readonly BackendSide[],
  findings: Finding[],
  catalogue: readonly Divergence[],
): ClassifiedFinding[] {
  const { program, ops } = l;
  const reference = catalogueReference(sides.map((s) => s.release));
  // From the lowering, not a side: a panic finding names an op that one side never ran.
  return findings.map((finding) => {
    const key = findingKey(finding, ops[finding.opIndex]);
    const d = classify(catalogue, { scenario: program.id, reference, key });
    if (d === undefined) return { finding, key, verdict: "failure" };
    const verdict: Verdict = d.status === "fixed" ? "regression" : d.status;
    return { finding, key, verdict, divergence: { id: d.id, status: d.status, what: d.what, file: d.file } };
  });
}

function statusOf(findings: readonly ClassifiedFinding[]): ScenarioStatus {
  if (findings.some((f) => f.verdict === "failure" || f.verdict === "regression")) return "fail";
  return findings.length > 0 ? "known" : "pass";
}

/** Skips (no trace recorded) and errors become results; BackendUnavailable for the whole backend propagates. */
async function guarded(
  program: Program,
  started: number,
  body: () => Promise<ScenarioResult>,
): Promise<ScenarioResult> {
  try {
    return await body();
  } catch (e) {
    const durationMs = Date.now() - started;
    if (e instanceof TraceMissingError)
      return { program, status: "skipped", sides: [], findings: [], reason: e.message, durationMs };
    if (e instanceof BackendUnavailableError) throw e;
    if (e instanceof KernelPanicTraceError) {
      const side = sideOf(e.partial.backend, lowered(program), e.partial);
      return { program, status: "panic", sides: [side], findings: [], reason: panicReason(e), durationMs };
    }
    // What ran before a twin bug stays visible (reports, `inconf show`).
    const sides =
      e instanceof PartialTraceError ? [sideOf(e.partial.backend, lowered(program), e.partial)] : [];
    return { program, status: "error", sides, findings: [], reason: (e as Error).message, durationMs };
  }
}

function panicReason(e: KernelPanicTraceError): string {
  return `the modelled FreeBSD kernel panics here: ${e.message}`;
}

/** The side a run left, or, when the kernel panicked on a step that expects it (`expect.panic`),
 * the side up to that step; any other panic propagates (to `guarded`). */
async function runExpectingPanic(backend: Backend, l: Lowered): Promise<BackendSide> {
  try {
    return await runSide(backend, l);
  } catch (e) {
    if (!(e instanceof KernelPanicTraceError)) throw e;
    // The panicking op is the first one without a result.
    const origin = l.origins[e.partial.ops.length];
    if (origin?.role !== "step" || l.program.steps[origin.step]?.expect?.panic !== true) throw e;
    return sideOf(e.partial.backend, l, e.partial);
  }
}

/** The loop `conform` and `compare` share: hooks, timing, skips and errors (`guarded`), and the
 * status from the findings, or an error when a side's bytes do not decode. */
async function runEach(
  programs: readonly Program[],
  hooks: RunHooks,
  body: (l: Lowered) => Promise<{ sides: BackendSide[]; findings: ClassifiedFinding[] }>,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const [i, program] of programs.entries()) {
    hooks.onStart?.(program, i, programs.length);
    const started = Date.now();
    const r = await guarded(program, started, async () => {
      const { sides, findings } = await body(lowered(program));
      const decodeProblems = sides.map(decodeFindings).find((d) => d !== undefined);
      const done = { program, sides, findings, durationMs: Date.now() - started };
      return decodeProblems === undefined
        ? { ...done, status: statusOf(findings) }
        : { ...done, status: "error", reason: decodeProblems };
    });
    results.push(r);
    hooks.onResult?.(r, i, programs.length);
  }
  return results;
}

/** Runs each program on `backend` and checks its expectations. */
export async function conform(
  programs: readonly Program[],
  backend: Backend,
  catalogue: readonly Divergence[],
  hooks: RunHooks = {},
): Promise<ScenarioResult[]> {
  return runEach(programs, hooks, async (l) => {
    const side = await runExpectingPanic(backend, l);
    const findings = classifyAll(l, [side], checkExpectations(l.program, side.obs), catalogue);
    return { sides: [side], findings };
  });
}

/** A side that may have ended in a kernel panic: the ops before it, and the panic's message. */
interface SideRun {
  side: BackendSide;
  panic?: string;
}

async function runSideUntilPanic(backend: Backend, l: Lowered): Promise<SideRun> {
  try {
    return { side: await runSide(backend, l) };
  } catch (e) {
    if (!(e instanceof KernelPanicTraceError)) throw e;
    return { side: sideOf(e.partial.backend, l, e.partial), panic: e.message };
  }
}

/** The ops both sides ran are diffed; a kernel that panicked on an op the other side got past
 * is one more finding (both panicking on the same op is agreement). */
function diffRuns({ ops, origins }: Lowered, ra: SideRun, rb: SideRun): Finding[] {
  const [na, nb] = [ra.side.obs.ops.length, rb.side.obs.ops.length];
  const n = Math.min(na, nb);
  const cut = (o: Observations): Observations => ({ ...o, ops: o.ops.slice(0, n) });
  const findings = diffObservations(cut(ra.side.obs), cut(rb.side.obs));
  const aFirst = ra.panic !== undefined && na === n;
  const bFirst = rb.panic !== undefined && nb === n;
  if (aFirst === bFirst) return findings;
  const origin = origins[n];
  const step = origin.role === "step" || origin.role === "checkpoint" ? origin.step : null;
  const [a, b] = aFirst ? [ra.panic ?? null, null] : [null, rb.panic ?? null];
  const where = `${stepLabel(step, n)} (${ops[n].op})`;
  const message = `kernel panic only in ${aFirst ? "a" : "b"}: ${(a ?? b ?? "").split("\n")[0]}`;
  return [...findings, { kind: "panic", step, opIndex: n, path: `${where} panic`, message, a, b }];
}

/** Runs each program on `a` and `b` and diffs them; divergences are matched on b's release
 * unless b is the twin (`catalogueReference`). */
export async function compare(
  programs: readonly Program[],
  a: Backend,
  b: Backend,
  catalogue: readonly Divergence[],
  hooks: RunHooks = {},
): Promise<ScenarioResult[]> {
  return runEach(programs, hooks, async (l) => {
    // b first: a missing reference trace skips the scenario before the twin runs.
    const rb = await runSideUntilPanic(b, l);
    const ra = await runSideUntilPanic(a, l);
    const sides = [ra.side, rb.side];
    return { sides, findings: classifyAll(l, sides, diffRuns(l, ra, rb), catalogue) };
  });
}

/** Bytes a backend returned that the shared decoder cannot read: an error, never silently dropped. */
function decodeFindings(side: BackendSide): string | undefined {
  const problems = side.obs.ops.flatMap((o) => o.decodeErrors.map((e) => `op ${o.index}: ${e}`));
  return problems.length > 0
    ? `${side.backend} returned bytes that do not decode: ${problems.join("; ")}`
    : undefined;
}
