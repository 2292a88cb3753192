// The work behind each `inconf` subcommand, loaded on demand so `inconf --help` stays quick.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import pc from "picocolors";
import { BackendUnavailableError, type Backend } from "../backends/backend.ts";
import { TraceInvalidError } from "../backends/replay.ts";
import {
  CatalogueError,
  catalogueRuns,
  catalogueStanding,
  describeStanding,
  loadCatalogue,
  type Divergence,
} from "../harness/divergences.ts";
import { lower } from "../harness/lower.ts";
import { ProgramError, type Program } from "../harness/program.ts";
import { buildReport } from "../harness/report-json.ts";
import { compare, conform, type ScenarioResult } from "../harness/runner.ts";
import { openBackend, type BackendChoice } from "./backends.ts";
import { CliError, EXIT, type ExitCode, type Io } from "./exit.ts";
import {
  checkOutputOptions,
  exitCodeOf,
  progressHooks,
  writeOutputs,
  type OutputOptions,
} from "./outputs.ts";
import { loadProgram, selectPrograms } from "./select.ts";
import type { Accel } from "../vm/qemu-args.ts";
import { renderShow } from "./show.ts";

export interface CommonOptions extends OutputOptions {
  image?: string;
  accel?: Accel;
  filter?: string;
  release?: string;
  referenceDir: string;
  saveTraces?: string;
}

/** Refuses, before anything runs, to put twin-made traces where only FreeBSD's belong. */
function checkTraceDir(
  option: string,
  dir: string | undefined,
  referenceDir: string,
  backends: readonly string[],
): void {
  if (dir === undefined || !backends.includes("twin")) return;
  const rel = relative(resolve(referenceDir), resolve(dir));
  if (!rel.startsWith("..") && !isAbsolute(rel)) {
    throw new CliError(
      EXIT.usage,
      `${option} ${dir}: ${referenceDir}/ holds only traces recorded on a real FreeBSD; save twin traces elsewhere (test/fixtures/ for tests)`,
    );
  }
}

/** <dir>/<id>.trace.json (the layout replay reads); a diff's two sides go to <dir>/<backend>/. */
async function saveTraces(dir: string, results: readonly ScenarioResult[]): Promise<void> {
  for (const r of results) {
    for (const side of r.sides) {
      const base = r.sides.length > 1 ? join(dir, side.backend.replace(/[^A-Za-z0-9_.-]/g, "_")) : dir;
      const file = join(base, `${r.program.id}.trace.json`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(side.trace, null, 2) + "\n");
    }
  }
}

/** A backend spec with the options every command shares (release, reference folder, image, accel). */
function choice(
  spec: string,
  o: { release?: string; referenceDir: string; image?: string; accel?: Accel },
): BackendChoice {
  return { spec, release: o.release, referenceDir: o.referenceDir, image: o.image, accel: o.accel };
}

async function finish(
  command: "run" | "diff",
  backends: Backend[],
  results: ScenarioResult[],
  catalogue: readonly Divergence[],
  o: CommonOptions,
  io: Io,
): Promise<ExitCode> {
  await Promise.all(backends.map((b) => b.close()));
  const report = buildReport(
    command,
    backends.map((b) => b.name),
    results,
  );
  await writeOutputs(report, results, o, io);
  for (const line of describeStanding(catalogueStanding(catalogue, catalogueRuns(results))))
    io.stderr.write(pc.yellow(line) + "\n");
  if (o.saveTraces !== undefined) await saveTraces(o.saveTraces, results);
  const code = exitCodeOf(report);
  if (code === EXIT.unavailable)
    io.stderr.write(pc.yellow("nothing ran: every scenario was skipped (see the reasons above)\n"));
  return code;
}

export async function runCommand(
  targets: string[],
  o: CommonOptions & { backend: string },
  io: Io,
): Promise<ExitCode> {
  checkOutputOptions(o);
  checkTraceDir("--save-traces", o.saveTraces, o.referenceDir, [o.backend]);
  const programs = await selectPrograms(targets, o.filter);
  const catalogue = await loadCatalogue(o.referenceDir);
  const backend = await openBackend(choice(o.backend, o));
  const progress = progressHooks(programs.length, o, io.stderr);
  try {
    return await finish(
      "run",
      [backend],
      await conform(programs, backend, catalogue, progress.hooks),
      catalogue,
      o,
      io,
    );
  } finally {
    progress.stop();
  }
}

export async function diffCommand(
  targets: string[],
  o: CommonOptions & { a: string; b: string },
  io: Io,
): Promise<ExitCode> {
  checkOutputOptions(o);
  checkTraceDir("--save-traces", o.saveTraces, o.referenceDir, [o.a, o.b]);
  const programs = await selectPrograms(targets, o.filter);
  const catalogue = await loadCatalogue(o.referenceDir);
  const a = await openBackend(choice(o.a, o));
  const b = await openBackend(choice(o.b, o));
  const progress = progressHooks(programs.length, o, io.stderr);
  try {
    return await finish(
      "diff",
      [a, b],
      await compare(programs, a, b, catalogue, progress.hooks),
      catalogue,
      o,
      io,
    );
  } finally {
    progress.stop();
  }
}

export interface ShowOptions {
  image?: string;
  accel?: Accel;
  verbose?: boolean;
  backend: string;
  release?: string;
  referenceDir: string;
  json?: boolean;
  ops?: boolean;
  program?: boolean;
  traceOut?: string;
}

export async function showProgram(p: Program, o: ShowOptions, io: Io): Promise<ExitCode> {
  if (o.program === true) {
    io.stdout.write(JSON.stringify(p, null, 2) + "\n");
    return EXIT.ok;
  }
  if (o.ops === true) {
    io.stdout.write(JSON.stringify(lower(p), null, 2) + "\n");
    return EXIT.ok;
  }
  checkTraceDir("--trace-out", o.traceOut !== undefined ? dirname(o.traceOut) : undefined, o.referenceDir, [
    o.backend,
  ]);
  const catalogue = await loadCatalogue(o.referenceDir);
  const backend = await openBackend(choice(o.backend, o));
  const [r] = await conform([p], backend, catalogue);
  await backend.close();
  if (o.traceOut !== undefined && r.sides[0] !== undefined)
    await writeFile(o.traceOut, JSON.stringify(r.sides[0].trace, null, 2) + "\n");
  const report = buildReport("run", [backend.name], [r]);
  if (o.json === true) {
    const side = r.sides[0];
    io.stdout.write(
      JSON.stringify(
        {
          program: p,
          ops: lower(p),
          trace: side?.trace ?? null,
          observations: side?.obs ?? null,
          report,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    io.stdout.write(renderShow(r, { verbose: o.verbose }) + "\n");
  }
  return exitCodeOf(report);
}

export async function listCommand(
  targets: string[],
  o: { filter?: string; json?: boolean },
  io: Io,
): Promise<ExitCode> {
  const programs = await selectPrograms(targets, o.filter);
  if (o.json === true) {
    const rows = programs.map((p) => ({
      id: p.id,
      title: p.title,
      family: p.family,
      steps: p.steps.length,
      cites: p.cites,
    }));
    io.stdout.write(JSON.stringify(rows, null, 2) + "\n");
  } else {
    const width = Math.max(...programs.map((p) => p.id.length));
    for (const p of programs)
      io.stdout.write(`${p.id.padEnd(width)}  ${String(p.steps.length).padStart(3)}  ${p.title}\n`);
  }
  return EXIT.ok;
}

export async function showCommand(id: string, o: ShowOptions, io: Io): Promise<ExitCode> {
  const [p, ...more] = await selectPrograms([id]);
  if (more.length > 0)
    throw new CliError(EXIT.usage, `"${id}" matches ${more.length + 1} scenarios; give one id`);
  return showProgram(p, o, io);
}

export async function execCommand(file: string, o: ShowOptions, io: Io): Promise<ExitCode> {
  return showProgram(await loadProgram(file), o, io);
}

/** Maps every error to a message and an exit code. */
export function failure(e: unknown, io: Io): ExitCode {
  if (e instanceof CliError) {
    io.stderr.write(`inconf: ${e.message}\n`);
    return e.code;
  }
  if (e instanceof BackendUnavailableError) {
    io.stderr.write(`inconf: backend ${e.backend} unavailable: ${e.message}\n`);
    return EXIT.unavailable;
  }
  if (e instanceof ProgramError || e instanceof CatalogueError || e instanceof TraceInvalidError) {
    io.stderr.write(`inconf: ${e.message}\n`);
    return EXIT.usage;
  }
  throw e;
}
