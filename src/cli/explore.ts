// `inconf explore`: generated differential Programs, shrunk reproducers, coverage guidance
// (docs/explore.md). main.ts registers it with registerExploreCommand(program, setCode); the
// work is loaded only when the command runs.

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Option, type Command } from "commander";
import pc from "picocolors";
import type { ExploreFinding, ExploreSummary, Progress } from "../explore/explore.ts";
import type { ScenarioResult } from "../harness/runner.ts";
import type { Accel } from "../vm/qemu-args.ts";
import { CliError, EXIT, type ExitCode, type Io } from "./exit.ts";

export interface ExploreCliOptions {
  a: string;
  b: string;
  seed?: string;
  count?: string;
  minutes?: string;
  maxSteps: string;
  out: string;
  coverage: boolean;
  shrinkBudget?: string;
  maxFindings: string;
  saveTraces?: string;
  release?: string;
  referenceDir: string;
  accel?: Accel;
  json?: boolean;
}

/** Real guests answer in ~1.5 s a Program (docs/freebsd-vm.md), so their defaults are small. */
const isGuest = (spec: string): boolean => spec.startsWith("freebsd");

function positive(name: string, v: string | undefined, integer = true): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new CliError(EXIT.usage, `${name} ${v}: expected a ${integer ? "whole " : ""}number >= 0`);
  return n;
}

function progressLine(p: Progress): string {
  const rate = p.programs / Math.max(p.elapsedMs / 60_000, 1e-9);
  return (
    `${p.programs} programs, ${Math.round(rate)}/min, ${p.divergences} diverged (${p.distinct} distinct)` +
    (p.skipped > 0 ? `, ${p.skipped} skipped` : "") +
    (p.branches > 0 ? `, ${p.branches} branches, corpus ${p.corpus}` : "")
  );
}

function findingText(f: ExploreFinding): string {
  const first = f.result.findings.find((c) => c.verdict === "failure" || c.verdict === "regression");
  const what = first?.finding.message ?? f.result.reason ?? "";
  return [
    pc.red(`divergence: ${f.signature.kind} | ${f.signature.op} | ${f.signature.key}`),
    `  ${what.split("\n")[0]}`,
    `  program ${f.index}: ${f.original.steps.length} steps, shrunk to ${f.shrunk.steps.length} in ${f.shrinkRuns} runs`,
    ...(f.confirmed === false
      ? ["  NOT reproduced on a freshly opened side b: it depends on what ran there before it"]
      : f.confirmed === true
        ? ["  reproduced on a fresh backend"]
        : []),
    ...(f.file !== undefined ? [`  wrote ${f.file}`] : []),
  ].join("\n");
}

function summaryText(s: ExploreSummary): string {
  const lines = [
    `explore ${s.backends[0]} vs ${s.backends[1]}, seed ${s.seed}: ${progressLine(s)} in ${(s.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (s.branchesPerMinute.length > 0)
    lines.push(`coverage (branches at each minute): ${s.branchesPerMinute.join(", ")}`);
  lines.push(
    s.findings.length === 0
      ? pc.green("no divergences")
      : pc.red(`${s.findings.length} distinct divergence(s), reproducers above`),
  );
  return lines.join("\n");
}

export async function exploreCommand(o: ExploreCliOptions, io: Io): Promise<ExitCode> {
  const guest = isGuest(o.b) || isGuest(o.a) || o.b.startsWith("replay");
  const seed = positive("--seed", o.seed) ?? Math.floor(Math.random() * 1_000_000);
  const minutes = positive("--minutes", o.minutes, false);
  const count = positive("--count", o.count) ?? (minutes === undefined ? (guest ? 20 : 1000) : undefined);
  const maxSteps = positive("--max-steps", o.maxSteps) ?? 12;
  if (maxSteps < 1) throw new CliError(EXIT.usage, "--max-steps must be at least 1");

  const [{ openBackend }, { loadCatalogue }, { explore }, { CoverageTracker }, { buildReport }] =
    await Promise.all([
      import("./backends.ts"),
      import("../harness/divergences.ts"),
      import("../explore/explore.ts"),
      import("../explore/coverage.ts"),
      import("../harness/report-json.ts"),
    ]);
  const catalogue = await loadCatalogue(o.referenceDir);
  const choice = (spec: string) => ({
    spec,
    release: o.release,
    referenceDir: o.referenceDir,
    accel: o.accel,
  });
  const a = await openBackend(choice(o.a));
  const b = await openBackend(choice(o.b));
  const coverage = o.coverage ? new CoverageTracker() : undefined;
  await coverage?.start();

  const command = [
    "inconf explore",
    `--a ${o.a} --b ${o.b} --seed ${seed}`,
    count !== undefined ? `--count ${count}` : `--minutes ${minutes}`,
    `--max-steps ${maxSteps}`,
    ...(o.coverage ? [] : ["--no-coverage"]),
  ].join(" ");
  io.stderr.write(`${command}\n`);
  let lastDraw = 0;
  const tty = io.stderr.isTTY === true && o.json !== true;
  const recorded: ScenarioResult[] = [];
  let summary: ExploreSummary;
  try {
    summary = await explore({
      a,
      b,
      seed,
      ...(count !== undefined && { count }),
      ...(minutes !== undefined && { minutes }),
      gen: { maxSteps, guest },
      catalogue,
      outDir: o.out,
      ...(coverage !== undefined && { coverage }),
      shrinkBudget: positive("--shrink-budget", o.shrinkBudget) ?? (guest ? 40 : 2000),
      maxFindings: positive("--max-findings", o.maxFindings) ?? 10,
      command,
      reopenB: () => openBackend(choice(o.b)),
      onProgress: (p) => {
        const now = Date.now();
        // A redrawn line on a terminal; otherwise a line every 30 s, for CI logs.
        if (now - lastDraw < (tty ? 200 : 30_000)) return;
        lastDraw = now;
        io.stderr.write(tty ? `\r\x1b[K${progressLine(p)}` : `${progressLine(p)}\n`);
      },
      onFinding: (f) => {
        recorded.push(f.result);
        io.stderr.write(`${tty ? "\r\x1b[K" : ""}${findingText(f)}\n`);
      },
      ...(o.saveTraces !== undefined && { saveTraces: o.saveTraces }),
    });
  } finally {
    if (tty) io.stderr.write("\r\x1b[K");
    await coverage?.stop();
    await Promise.all([a.close(), b.close()]);
  }

  // The reproducers' diffs, in the report format `inconf diff --json` writes.
  const report = buildReport("diff", [a.name, b.name], recorded);
  const { findings, ...stats } = summary;
  const explored = {
    ...stats,
    command,
    findings: findings.map((f) => ({
      signature: f.signature,
      file: f.file ?? null,
      index: f.index,
      originalSteps: f.original.steps.length,
      shrunkSteps: f.shrunk.steps.length,
      shrinkRuns: f.shrinkRuns,
      confirmedOnFreshBackend: f.confirmed ?? null,
    })),
  };
  await mkdir(o.out, { recursive: true });
  await writeFile(
    join(o.out, "report.json"),
    JSON.stringify({ ...report, explore: explored }, null, 2) + "\n",
  );
  if (o.json === true) io.stdout.write(JSON.stringify({ ...report, explore: explored }, null, 2) + "\n");
  else io.stdout.write(summaryText(summary) + "\n");
  if (summary.programs > 0 && summary.skipped === summary.programs) {
    io.stderr.write(
      pc.yellow(`nothing ran: ${b.name} skipped every Program (no traces recorded for them)\n`),
    );
    return EXIT.unavailable;
  }
  return summary.findings.length > 0 ? EXIT.failures : EXIT.ok;
}

export function registerExploreCommand(program: Command, setCode: (c: ExitCode) => void, io: Io): void {
  program
    .command("explore")
    .description("generate Programs, diff them on two backends, shrink every divergence to a reproducer")
    .option("--a <backend>", "left side", "twin")
    .requiredOption("--b <backend>", "right side: twin, replay:<release>, freebsd:10.4-seedin, freebsd:10.4")
    .option("--seed <n>", "PRNG seed (default: random, printed)")
    .option("--count <n>", "Programs to run (default 1000; 20 on a FreeBSD guest)")
    .option("--minutes <m>", "run for this long instead (or both: whichever ends first)")
    .option("--max-steps <k>", "steps per Program at most", "12")
    .option("--out <dir>", "where reproducers and report.json go", "out/explore")
    .option("--no-coverage", "no coverage guidance (no corpus; every Program freshly generated)")
    .option("--shrink-budget <n>", "candidate runs per shrink (default 2000; 40 on a guest)")
    .option("--max-findings <n>", "stop after this many distinct divergences", "10")
    .option("--save-traces <dir>", "write side b's raw traces to <dir>/<id>.trace.json (a replay folder)")
    .option("--release <release>", "FreeBSD release for replay")
    .option("--reference-dir <dir>", "where reference traces and divergences.yaml live", "reference")
    .addOption(new Option("--accel <accel>", "freebsd: QEMU accelerator").choices(["kvm", "tcg"]))
    .option("--json", "print the JSON report instead of the summary")
    .option("--no-color", "plain text (also NO_COLOR=1)")
    .action(async (o: ExploreCliOptions) => setCode(await exploreCommand(o, io)));
}
