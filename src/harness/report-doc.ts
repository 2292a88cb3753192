// Markdown and HTML reports: every scenario that did not simply pass, each finding with both
// sides in two columns (expected | actual, or a | b), frames decoded, and the normalization
// rules in force.

import type { Report, ReportFinding, ReportScenario } from "./report-json.ts";
import { findingSides } from "./report-sides.ts";
import { xmlEscape } from "./report-junit.ts";

function labelsOf(r: Report): [string, string] {
  return [r.backends[0] ?? "a", r.backends[1] ?? "b"];
}

function verdictText(f: ReportFinding): string {
  return f.divergence ? `${f.verdict} (${f.divergence.id}: ${f.divergence.what})` : f.verdict;
}

const mdCell = (lines: string[]): string => lines.map((l) => `\`${l.replace(/`/g, "'")}\``).join("<br>");

export function renderMarkdown(report: Report): string {
  const labels = labelsOf(report);
  const m = report.summary;
  const out = [
    `# inconf ${report.command}: ${report.backends.join(" vs ")}`,
    "",
    `${m.total} scenarios: ${m.pass} passed, ${m.known} known divergences, ${m.fail} failed, ${m.skipped} skipped, ${m.error} errors. Generated ${report.generated}.`,
    "",
    "| scenario | status | title |",
    "| --- | --- | --- |",
    ...report.scenarios.map((s) => `| \`${s.id}\` | ${s.status} | ${s.title} |`),
    "",
  ];
  for (const s of report.scenarios.filter((x) => x.status !== "pass")) {
    out.push(`## ${s.id} — ${s.status}`, "", s.title, "");
    if (s.cites.length > 0) out.push(`Cites: ${s.cites.join("; ")}`, "");
    if (s.reason !== null) out.push(`> ${s.reason}`, "");
    for (const f of s.findings) {
      const sides = findingSides(f, labels);
      out.push(`### ${f.path}`, "", `${f.message} — **${verdictText(f)}**`, "");
      out.push(
        `| ${sides.leftLabel} | ${sides.rightLabel} |`,
        "| --- | --- |",
        `| ${mdCell(sides.left)} | ${mdCell(sides.right)} |`,
        "",
      );
    }
  }
  out.push(
    "## Normalization rules",
    "",
    ...report.normalization.map((r) => `- **${r.name}**: ${r.description}`),
    "",
  );
  return out.join("\n");
}

function htmlScenario(s: ReportScenario, labels: [string, string]): string {
  const findings = s.findings.map((f) => {
    const sides = findingSides(f, labels);
    const pre = (lines: string[]): string => `<pre>${xmlEscape(lines.join("\n"))}</pre>`;
    return `<div class="finding ${f.verdict}"><h4>${xmlEscape(f.path)}</h4><p>${xmlEscape(f.message)} — <b>${xmlEscape(verdictText(f))}</b></p>
<table><tr><th>${xmlEscape(sides.leftLabel)}</th><th>${xmlEscape(sides.rightLabel)}</th></tr><tr><td>${pre(sides.left)}</td><td>${pre(sides.right)}</td></tr></table></div>`;
  });
  const reason = s.reason !== null ? `<p class="reason">${xmlEscape(s.reason)}</p>` : "";
  const cites = s.cites.length > 0 ? `<p class="cites">Cites: ${xmlEscape(s.cites.join("; "))}</p>` : "";
  return `<section class="${s.status}"><h3>${xmlEscape(s.id)} — ${s.status}</h3><p>${xmlEscape(s.title)}</p>${cites}${reason}${findings.join("\n")}</section>`;
}

export function renderHtml(report: Report): string {
  const labels = labelsOf(report);
  const m = report.summary;
  const rows = report.scenarios.map(
    (s) =>
      `<tr class="${s.status}"><td><code>${xmlEscape(s.id)}</code></td><td>${s.status}</td><td>${xmlEscape(s.title)}</td></tr>`,
  );
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>inconf ${report.command}: ${xmlEscape(report.backends.join(" vs "))}</title>
<style>
body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}
pre{margin:0;font-size:12px}.fail td:nth-child(2),.failure h4,.regression h4{color:#b00}.known td:nth-child(2),.known h4,.unconfirmed h4{color:#06c}
.pass td:nth-child(2){color:#080}.skipped td:nth-child(2){color:#a80}.error td:nth-child(2){color:#a0a}section{margin-top:2em}
</style></head><body>
<h1>inconf ${report.command}: ${xmlEscape(report.backends.join(" vs "))}</h1>
<p>${m.total} scenarios: ${m.pass} passed, ${m.known} known divergences, ${m.fail} failed, ${m.skipped} skipped, ${m.error} errors. Generated ${xmlEscape(report.generated)}.</p>
<table><tr><th>scenario</th><th>status</th><th>title</th></tr>${rows.join("")}</table>
${report.scenarios
  .filter((s) => s.status !== "pass")
  .map((s) => htmlScenario(s, labels))
  .join("\n")}
<h2>Normalization rules</h2><ul>${report.normalization.map((r) => `<li><b>${xmlEscape(r.name)}</b>: ${xmlEscape(r.description)}</li>`).join("")}</ul>
</body></html>
`;
}
