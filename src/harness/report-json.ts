// The JSON report ("inconf-report/1"): a stable, documented shape (docs/formats.md) that the
// other reports are rendered from.

import { NORMALIZATION_RULES } from "./normalize.ts";
import type { Finding, FindingKey } from "./findings.ts";
import type { ClassifiedFinding, ScenarioResult, ScenarioStatus, Verdict } from "./runner.ts";

export const REPORT_FORMAT = "inconf-report/1";

export interface ReportFinding {
  kind: Finding["kind"];
  verdict: Verdict;
  divergence: { id: string; status: string; what: string; file: string } | null;
  /** What the catalogue matched it on (the fields of an entry's `match`). */
  key: FindingKey;
  step: number | null;
  opIndex: number;
  path: string;
  message: string;
  /** expect: the expectation and what happened. */
  expected?: string;
  actual?: string;
  /** diffs: side a's and side b's values (records, messages or frames). */
  a?: unknown;
  b?: unknown;
}

export interface ReportScenario {
  id: string;
  title: string;
  family: string;
  cites: string[];
  status: ScenarioStatus;
  reason: string | null;
  durationMs: number;
  sides: { backend: string; release: string; provenance: unknown; normalization: Record<string, number> }[];
  findings: ReportFinding[];
}

export interface Report {
  format: typeof REPORT_FORMAT;
  command: "run" | "diff";
  backends: string[];
  generated: string;
  /** Every rule that may have rewritten observations; per-scenario counts are in sides[]. */
  normalization: { name: string; description: string }[];
  summary: Record<ScenarioStatus, number> & { total: number };
  scenarios: ReportScenario[];
}

function reportFinding(c: ClassifiedFinding): ReportFinding {
  const f = c.finding;
  const base = {
    kind: f.kind,
    verdict: c.verdict,
    divergence: c.divergence ?? null,
    key: c.key,
    step: f.step,
    opIndex: f.opIndex,
    path: f.path,
    message: f.message,
  };
  switch (f.kind) {
    case "expect":
      return { ...base, expected: f.expected, actual: f.actual };
    case "errno":
    case "panic":
    case "data":
    case "rtsock":
    case "frame":
    case "state":
      return { ...base, a: f.a, b: f.b };
    default: {
      const never: never = f;
      throw new Error(`unhandled finding ${JSON.stringify(never)}`);
    }
  }
}

export function buildReport(
  command: Report["command"],
  backends: string[],
  results: readonly ScenarioResult[],
): Report {
  const summary = { total: results.length, pass: 0, known: 0, fail: 0, skipped: 0, error: 0, panic: 0 };
  for (const r of results) summary[r.status]++;
  return {
    format: REPORT_FORMAT,
    command,
    backends,
    generated: new Date().toISOString(),
    normalization: NORMALIZATION_RULES.map((r) => ({ name: r.name, description: r.description })),
    summary,
    scenarios: results.map((r) => ({
      id: r.program.id,
      title: r.program.title,
      family: r.program.family,
      cites: r.program.cites,
      status: r.status,
      reason: r.reason ?? null,
      durationMs: r.durationMs,
      sides: r.sides.map((s) => ({
        backend: s.backend,
        release: s.release,
        provenance: s.trace.provenance,
        normalization: s.normalization,
      })),
      findings: r.findings.map(reportFinding),
    })),
  };
}
