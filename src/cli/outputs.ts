// What a run leaves behind: the terminal report (or --json), --junit, --report (.md/.html),
// --pcap-dir; and the exit code its results call for.

import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import cliProgress from "cli-progress";
import { writeTracePcaps } from "../harness/pcaps.ts";
import type { Report } from "../harness/report-json.ts";
import { renderHtml, renderMarkdown } from "../harness/report-doc.ts";
import { renderJunit } from "../harness/report-junit.ts";
import { renderText } from "../harness/report-text.ts";
import type { RunHooks, ScenarioResult } from "../harness/runner.ts";
import { CliError, EXIT, type ExitCode, type Io } from "./exit.ts";

export interface OutputOptions {
  json?: boolean;
  junit?: string;
  report?: string;
  pcapDir?: string;
  verbose?: boolean;
}

/** Fails early, before anything runs, on a --report name we cannot render. */
export function checkOutputOptions(o: OutputOptions): void {
  if (o.report !== undefined && ![".md", ".html", ".htm"].includes(extname(o.report))) {
    throw new CliError(EXIT.usage, `--report ${o.report}: the file must end in .md or .html`);
  }
}

/** A progress bar on stderr for long interactive runs; silent otherwise. */
export function progressHooks(
  total: number,
  o: OutputOptions,
  stderr: Io["stderr"],
): { hooks: RunHooks; stop(): void } {
  if (o.json === true || stderr.isTTY !== true || total < 5) return { hooks: {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {value}/{total} {id}", stream: stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { id: "" });
  return {
    hooks: {
      onStart: (p, i) => bar.update(i, { id: p.id }),
      onResult: (_r, i) => bar.update(i + 1),
    },
    stop: () => bar.stop(),
  };
}

export async function writeOutputs(
  report: Report,
  results: readonly ScenarioResult[],
  o: OutputOptions,
  io: Io,
): Promise<void> {
  if (o.json === true) io.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else io.stdout.write(renderText(report, { verbose: o.verbose }) + "\n");
  if (o.junit !== undefined) await writeFile(o.junit, renderJunit(report));
  if (o.report !== undefined)
    await writeFile(o.report, extname(o.report) === ".md" ? renderMarkdown(report) : renderHtml(report));
  if (o.pcapDir !== undefined) {
    for (const r of results) for (const side of r.sides) await writeTracePcaps(o.pcapDir, side.trace);
  }
}

/** 0 when everything passed or diverged as catalogued; 3 when nothing could run; else 1 (an
 * unexpected kernel panic included). */
export function exitCodeOf(report: Report): ExitCode {
  const m = report.summary;
  if (m.total > 0 && m.skipped === m.total) return EXIT.unavailable;
  return m.fail > 0 || m.error > 0 || m.panic > 0 ? EXIT.failures : EXIT.ok;
}
