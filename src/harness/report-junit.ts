// JUnit XML for CI: one testsuite per scenario family, one testcase per scenario. Failures
// and errors carry their findings; known divergences go to system-out so they stay visible.

import type { Report, ReportScenario } from "./report-json.ts";
import { findingSides, sideBySide } from "./report-sides.ts";

export function xmlEscape(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );
}

function findingsText(s: ReportScenario, labels: [string, string]): string {
  return s.findings
    .map((f) => {
      const tag = f.divergence ? `${f.verdict} ${f.divergence.id}` : f.verdict;
      return [
        `[${tag}] ${f.path}: ${f.message}`,
        ...sideBySide(findingSides(f, labels)).map((l) => `  ${l}`),
      ].join("\n");
    })
    .join("\n");
}

function testcase(s: ReportScenario, labels: [string, string]): string {
  const open = `    <testcase classname="${xmlEscape(s.family)}" name="${xmlEscape(s.id)}" time="${(s.durationMs / 1000).toFixed(3)}">`;
  const body: string[] = [];
  switch (s.status) {
    case "pass":
      break;
    case "known":
      body.push(`      <system-out>${xmlEscape(findingsText(s, labels))}</system-out>`);
      break;
    case "fail": {
      const first = s.findings.find((f) => f.verdict === "failure" || f.verdict === "regression");
      body.push(
        `      <failure message="${xmlEscape(first?.message ?? "failed")}">${xmlEscape(findingsText(s, labels))}</failure>`,
      );
      break;
    }
    case "skipped":
      body.push(`      <skipped message="${xmlEscape(s.reason ?? "skipped")}"/>`);
      break;
    case "error":
      body.push(`      <error message="${xmlEscape(s.reason ?? "error")}"/>`);
      break;
    case "panic": // a panic the scenario did not expect fails it; JUnit has no other word for it
      body.push(`      <failure message="${xmlEscape(s.reason ?? "kernel panic")}"/>`);
      break;
    default: {
      const never: never = s.status;
      throw new Error(`unhandled status ${String(never)}`);
    }
  }
  return body.length === 0 ? `${open.slice(0, -1)}/>` : [open, ...body, "    </testcase>"].join("\n");
}

export function renderJunit(report: Report): string {
  const labels: [string, string] = [report.backends[0] ?? "a", report.backends[1] ?? "b"];
  const families = [...new Set(report.scenarios.map((s) => s.family))];
  const suites = families.map((fam) => {
    const cases = report.scenarios.filter((s) => s.family === fam);
    const count = (st: ReportScenario["status"]): number => cases.filter((s) => s.status === st).length;
    const time = cases.reduce((t, s) => t + s.durationMs, 0) / 1000;
    return [
      `  <testsuite name="${xmlEscape(`${fam} (${report.backends.join(" vs ")})`)}" tests="${cases.length}" failures="${count("fail") + count("panic")}" errors="${count("error")}" skipped="${count("skipped")}" time="${time.toFixed(3)}">`,
      ...cases.map((s) => testcase(s, labels)),
      "  </testsuite>",
    ].join("\n");
  });
  const m = report.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="inconf ${report.command}" tests="${m.total}" failures="${m.fail + m.panic}" errors="${m.error}" skipped="${m.skipped}">`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
