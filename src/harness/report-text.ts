// The terminal report: one line per scenario, and under each failing or known one its
// findings with both sides (a sysctl's values decoded by its type), then a summary and the
// normalization rules that applied.

import pc from "picocolors";
import type { Report, ReportFinding, ReportScenario } from "./report-json.ts";
import { findingSides, sideBySide, type Sides } from "./report-sides.ts";
import { formatSysctlValue } from "./sysctl-types.ts";

const MARK: Record<ReportScenario["status"], (s: string) => string> = {
  pass: (s) => pc.green(s),
  known: (s) => pc.cyan(s),
  fail: (s) => pc.red(s),
  skipped: (s) => pc.yellow(s),
  error: (s) => pc.magenta(s),
  panic: (s) => pc.red(s),
};

const SYMBOL: Record<ReportScenario["status"], string> = {
  pass: "✓",
  known: "≈",
  fail: "✗",
  skipped: "-",
  error: "!",
  panic: "‼",
};

export function scenarioLine(s: ReportScenario): string {
  return `${MARK[s.status](`${SYMBOL[s.status]} ${s.status.padEnd(7)}`)} ${s.id}  ${pc.dim(s.title)}`;
}

/** A sysctl's differing old values, each by the sysctl's type with its hex beside it. */
function sysctlSides(f: ReportFinding, labels: [string, string]): Sides | undefined {
  if (f.kind !== "data" || !f.key.op.startsWith("sysctl ")) return undefined;
  const name = f.key.op.slice("sysctl ".length);
  const side = (v: unknown): string[] => [typeof v === "string" ? formatSysctlValue(name, v) : "(absent)"];
  return { leftLabel: labels[0], rightLabel: labels[1], left: side(f.a), right: side(f.b) };
}

export function scenarioDetails(s: ReportScenario, labels: [string, string]): string[] {
  const out: string[] = [];
  if (s.reason !== null) out.push(`    ${pc.dim(s.reason)}`);
  for (const f of s.findings) {
    const tag =
      f.verdict === "failure"
        ? pc.red("FAIL")
        : f.verdict === "regression"
          ? pc.red(`REGRESSION of ${f.divergence?.id}`)
          : pc.cyan(`${f.verdict.toUpperCase()} ${f.divergence?.id}`);
    out.push(`    ${tag} ${f.message}  ${pc.dim(`[${f.path}]`)}`);
    for (const line of sideBySide(sysctlSides(f, labels) ?? findingSides(f, labels)))
      out.push(`      ${pc.dim(line)}`);
  }
  return out;
}

export function renderText(report: Report, opts: { verbose?: boolean } = {}): string {
  const labels: [string, string] = [report.backends[0] ?? "a", report.backends[1] ?? "b"];
  const lines: string[] = [];
  for (const s of report.scenarios) {
    lines.push(scenarioLine(s));
    if (s.status !== "pass" || opts.verbose === true) lines.push(...scenarioDetails(s, labels));
  }
  const m = report.summary;
  lines.push("");
  lines.push(
    `${m.total} scenarios on ${report.backends.join(" vs ")}: ` +
      [
        pc.green(`${m.pass} passed`),
        pc.cyan(`${m.known} known divergences`),
        pc.red(`${m.fail} failed`),
        pc.yellow(`${m.skipped} skipped`),
        pc.magenta(`${m.error} errors`),
        // Only when there are any: most runs have none, and the line stays as it was.
        ...(m.panic > 0 ? [pc.red(`${m.panic} kernel panics`)] : []),
      ].join(", "),
  );
  const used = new Map<string, number>();
  for (const s of report.scenarios)
    for (const side of s.sides)
      for (const [k, n] of Object.entries(side.normalization)) used.set(k, (used.get(k) ?? 0) + n);
  // Every rule is named, with its count; descriptions with --verbose and in the other reports.
  lines.push(
    pc.dim(
      `normalization (values changed): ${report.normalization.map((r) => `${r.name} ${used.get(r.name) ?? 0}`).join(", ")}`,
    ),
  );
  if (opts.verbose === true)
    for (const r of report.normalization) lines.push(pc.dim(`  ${r.name}: ${r.description}`));
  return lines.join("\n");
}
