// The `inconf` command. Exit codes: 0 pass, 1 failures or unknown divergences, 2 usage or
// input errors, 3 backend unavailable (docs/cli.md).

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import { BackendUnavailableError, type Backend } from "../backends/backend.ts";
import { TraceInvalidError } from "../backends/replay.ts";
import { CatalogueError, loadCatalogue } from "../harness/divergences.ts";
import { lower } from "../harness/lower.ts";
import { loadProgramFile, ProgramError, type Program } from "../harness/program.ts";
import { buildReport } from "../harness/report-json.ts";
import { compare, conform, type ScenarioResult } from "../harness/runner.ts";
import { openBackend } from "./backends.ts";
import { CliError, EXIT, type ExitCode } from "./exit.ts";
import {
  checkOutputOptions,
  exitCodeOf,
  progressHooks,
  writeOutputs,
  type OutputOptions,
} from "./outputs.ts";
import { selectPrograms } from "./select.ts";
import { renderShow } from "./show.ts";

interface CommonOptions extends OutputOptions {
  filter?: string;
  release?: string;
  referenceDir: string;
  saveTraces?: string;
}

const EXAMPLES = `
Examples:
  $ inconf run                                   every scenario on the twin (the main job)
  $ inconf run addr --verbose                    the addr family, with details for passes too
  $ inconf run --backend freebsd --release 10.4-RELEASE --save-traces reference/10.4-RELEASE
                                                 record reference traces on a real FreeBSD VM
  $ inconf diff --a twin --b replay:10.4-RELEASE --report out/diff.html --pcap-dir out/pcap
                                                 diff the twin against recorded FreeBSD traces
  $ inconf show arp/answer-request               one scenario op by op, frames decoded
  $ inconf show addr/replace --program > p.json  export a scenario as a program file...
  $ inconf exec p.json                           ...and run that file

Exit codes: 0 pass (or only catalogued divergences), 1 failures or unknown divergences,
2 usage or input errors, 3 backend unavailable.`;

function outputOptions(cmd: Command): Command {
  return cmd
    .option("--filter <pattern>", "only scenarios whose id matches (glob, family prefix or substring)")
    .option("--release <release>", "FreeBSD release for replay/freebsd, e.g. 10.4-RELEASE")
    .option("--reference-dir <dir>", "where reference traces and divergences.yaml live", "reference")
    .option("--json", "print the JSON report (inconf-report/1) instead of text")
    .option("--junit <file>", "also write JUnit XML")
    .option("--report <file>", "also write a Markdown (.md) or HTML (.html) report")
    .option("--pcap-dir <dir>", "write <dir>/<scenario>/<backend>/<ifname>.pcap")
    .option("--save-traces <dir>", "write each raw trace to <dir>/<scenario>.trace.json")
    .option("-v, --verbose", "show findings and details for passing scenarios too");
}

async function saveTraces(dir: string, results: readonly ScenarioResult[]): Promise<void> {
  for (const r of results) {
    for (const side of r.sides) {
      const file = join(dir, `${r.program.id}.trace.json`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(side.trace, null, 2) + "\n");
    }
  }
}

async function finish(
  command: "run" | "diff",
  backends: Backend[],
  results: ScenarioResult[],
  o: CommonOptions,
): Promise<ExitCode> {
  await Promise.all(backends.map((b) => b.close()));
  const report = buildReport(
    command,
    backends.map((b) => b.name),
    results,
  );
  await writeOutputs(report, results, o);
  if (o.saveTraces !== undefined) await saveTraces(o.saveTraces, results);
  const code = exitCodeOf(report);
  if (code === EXIT.unavailable)
    process.stderr.write(pc.yellow("nothing ran: every scenario was skipped (see the reasons above)\n"));
  return code;
}

async function runCommand(targets: string[], o: CommonOptions & { backend: string }): Promise<ExitCode> {
  checkOutputOptions(o);
  const programs = await selectPrograms(targets, o.filter);
  const catalogue = await loadCatalogue(o.referenceDir);
  const backend = await openBackend({ spec: o.backend, release: o.release, referenceDir: o.referenceDir });
  const progress = progressHooks(programs.length, o);
  try {
    return await finish("run", [backend], await conform(programs, backend, catalogue, progress.hooks), o);
  } finally {
    progress.stop();
  }
}

async function diffCommand(
  targets: string[],
  o: CommonOptions & { a: string; b: string },
): Promise<ExitCode> {
  checkOutputOptions(o);
  const programs = await selectPrograms(targets, o.filter);
  const catalogue = await loadCatalogue(o.referenceDir);
  const a = await openBackend({ spec: o.a, release: o.release, referenceDir: o.referenceDir });
  const b = await openBackend({ spec: o.b, release: o.release, referenceDir: o.referenceDir });
  const progress = progressHooks(programs.length, o);
  try {
    return await finish("diff", [a, b], await compare(programs, a, b, catalogue, progress.hooks), o);
  } finally {
    progress.stop();
  }
}

interface ShowOptions {
  backend: string;
  release?: string;
  referenceDir: string;
  json?: boolean;
  ops?: boolean;
  program?: boolean;
  traceOut?: string;
}

async function showProgram(p: Program, o: ShowOptions): Promise<ExitCode> {
  if (o.program === true) {
    process.stdout.write(JSON.stringify(p, null, 2) + "\n");
    return EXIT.ok;
  }
  if (o.ops === true) {
    process.stdout.write(JSON.stringify(lower(p), null, 2) + "\n");
    return EXIT.ok;
  }
  const catalogue = await loadCatalogue(o.referenceDir);
  const backend = await openBackend({ spec: o.backend, release: o.release, referenceDir: o.referenceDir });
  const [r] = await conform([p], backend, catalogue);
  await backend.close();
  if (o.traceOut !== undefined && r.sides[0] !== undefined)
    await writeFile(o.traceOut, JSON.stringify(r.sides[0].trace, null, 2) + "\n");
  if (o.json === true) {
    const side = r.sides[0];
    process.stdout.write(
      JSON.stringify(
        {
          program: p,
          ops: lower(p),
          trace: side?.trace ?? null,
          observations: side?.obs ?? null,
          report: buildReport("run", [backend.name], [r]),
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    process.stdout.write(renderShow(r) + "\n");
  }
  return exitCodeOf(buildReport("run", [backend.name], [r]));
}

function showOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--backend <backend>", "twin, replay:<release> or freebsd").default("twin"))
    .option("--release <release>", "FreeBSD release for replay/freebsd")
    .option("--reference-dir <dir>", "where reference traces and divergences.yaml live", "reference")
    .option("--json", "print program, ops, raw trace and observations as JSON")
    .option("--ops", "print only the lowered ops (what a backend executes), without running")
    .option("--program", "print only the program JSON (inconf-program/1), without running")
    .option("--trace-out <file>", "write the raw trace here");
}

export function buildCli(setCode: (c: ExitCode) => void): Command {
  const program = new Command("inconf")
    .description("Check FreeBSD's IPv4 address layer (sys/netinet/in.c) against its executable twin.")
    .addHelpText("after", EXAMPLES)
    .showHelpAfterError("(run with --help for usage and examples)");

  program
    .command("list")
    .description("list scenarios: id, number of steps, title")
    .argument("[targets...]", "program files, folders, suite modules or scenario ids/patterns")
    .option("--filter <pattern>", "only ids matching")
    .option("--json", "print JSON")
    .action(async (targets: string[], o: { filter?: string; json?: boolean }) => {
      const programs = await selectPrograms(targets, o.filter);
      if (o.json === true) {
        process.stdout.write(
          JSON.stringify(
            programs.map((p) => ({
              id: p.id,
              title: p.title,
              family: p.family,
              steps: p.steps.length,
              cites: p.cites,
            })),
            null,
            2,
          ) + "\n",
        );
      } else {
        const width = Math.max(...programs.map((p) => p.id.length));
        for (const p of programs)
          process.stdout.write(`${p.id.padEnd(width)}  ${String(p.steps.length).padStart(3)}  ${p.title}\n`);
      }
      setCode(EXIT.ok);
    });

  outputOptions(
    program
      .command("run")
      .description("run scenarios on one backend and check their expectations")
      .argument(
        "[targets...]",
        "program files, folders, suite modules or scenario ids/patterns (default: all)",
      )
      .addOption(
        new Option(
          "--backend <backend>",
          "twin, replay (with --release), replay:<release> or freebsd",
        ).default("twin"),
      ),
  ).action(async (targets: string[], o: CommonOptions & { backend: string }) =>
    setCode(await runCommand(targets, o)),
  );

  outputOptions(
    program
      .command("diff")
      .description("run scenarios on two backends and diff what they did")
      .argument(
        "[targets...]",
        "program files, folders, suite modules or scenario ids/patterns (default: all)",
      )
      .requiredOption("--a <backend>", "left side, e.g. twin")
      .requiredOption("--b <backend>", "right side, e.g. replay:10.4-RELEASE"),
  ).action(async (targets: string[], o: CommonOptions & { a: string; b: string }) =>
    setCode(await diffCommand(targets, o)),
  );

  showOptions(
    program
      .command("show")
      .description("run one scenario and show it op by op")
      .argument("<scenario>", "a scenario id"),
  ).action(async (id: string, o: ShowOptions) => {
    const [p, ...more] = await selectPrograms([id]);
    if (more.length > 0)
      throw new CliError(EXIT.usage, `"${id}" matches ${more.length + 1} scenarios; give one id`);
    setCode(await showProgram(p, o));
  });

  showOptions(
    program
      .command("exec")
      .description("run a program file (inconf-program/1) and show it op by op")
      .argument("<file>", "program JSON"),
  ).action(async (file: string, o: ShowOptions) =>
    setCode(await showProgram(await loadProgramFile(file), o)),
  );

  return program;
}

/** Maps every error to a message and an exit code. */
function failure(e: unknown): ExitCode {
  if (e instanceof CliError) {
    process.stderr.write(`inconf: ${e.message}\n`);
    return e.code;
  }
  if (e instanceof BackendUnavailableError) {
    process.stderr.write(`inconf: backend ${e.backend} unavailable: ${e.message}\n`);
    return EXIT.unavailable;
  }
  if (e instanceof ProgramError || e instanceof CatalogueError || e instanceof TraceInvalidError) {
    process.stderr.write(`inconf: ${e.message}\n`);
    return EXIT.usage;
  }
  throw e;
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const cli = buildCli((c) => (code = c)).exitOverride();
  try {
    await cli.parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return failure(e);
  }
  return code;
}

process.exitCode = await main(process.argv.slice(2));
