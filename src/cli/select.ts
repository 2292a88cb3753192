// Which programs a command runs: program JSON files, folders of them, suite modules, or
// scenario ids/patterns from the registry; then --filter.

import { readdir, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { allScenarios } from "../../suites/index.ts";
import { globMatch } from "../harness/divergences.ts";
import { lowerProgram } from "../harness/lower.ts";
import { loadProgramFile, PROGRAM_FORMAT, type Program } from "../harness/program.ts";
import { CliError, EXIT } from "./exit.ts";

/** Natural order, as people number files: h2 before h10 (digit runs compare as numbers). */
const naturalOrder = new Intl.Collator("en", { numeric: true }).compare;

/** A program file, validated and lowered now: a program that cannot run is a usage error (exit
 * 2) for `list` as for `run`, never a scenario error found half-way through a run. */
export async function loadProgram(file: string): Promise<Program> {
  const p = await loadProgramFile(file);
  lowerProgram(p, file);
  return p;
}

async function jsonFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    naturalOrder(a.name, b.name),
  )) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await jsonFilesUnder(p)));
    else if (e.name.endsWith(".json") && !e.name.endsWith(".trace.json")) out.push(p);
  }
  return out;
}

function isProgram(x: unknown): x is Program {
  return typeof x === "object" && x !== null && (x as { format?: unknown }).format === PROGRAM_FORMAT;
}

/** Programs a suite module exports (any exported array of Programs). */
async function programsOfModule(file: string): Promise<Program[]> {
  const mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  return Object.values(mod).flatMap((v) => (Array.isArray(v) ? v.filter(isProgram) : []));
}

/** A pattern matches an id exactly, as a glob, or as a family prefix ("addr" → "addr/..."). */
export function idMatches(pattern: string, id: string): boolean {
  return (
    id === pattern || globMatch(pattern, id) || id.startsWith(pattern.endsWith("/") ? pattern : `${pattern}/`)
  );
}

export async function selectPrograms(targets: readonly string[], filter?: string): Promise<Program[]> {
  let programs: Program[] = [];
  if (targets.length === 0) programs = allScenarios();
  for (const t of targets) {
    const info = await stat(t).catch(() => null);
    if (info?.isDirectory()) {
      for (const f of await jsonFilesUnder(t)) programs.push(await loadProgram(f));
    } else if (info !== null && extname(t) === ".json") {
      programs.push(await loadProgram(t));
    } else if (info !== null && extname(t) === ".ts") {
      programs.push(...(await programsOfModule(t)));
    } else {
      const hits = allScenarios().filter((p) => idMatches(t, p.id));
      if (hits.length === 0) {
        throw new CliError(
          EXIT.usage,
          `"${t}" is neither a program file nor a scenario id or pattern; \`inconf list\` shows the ids`,
        );
      }
      programs.push(...hits);
    }
  }
  if (filter !== undefined)
    programs = programs.filter((p) => idMatches(filter, p.id) || p.id.includes(filter));
  if (programs.length === 0)
    throw new CliError(
      EXIT.usage,
      `no scenario matches${filter ? ` --filter "${filter}"` : ""}; \`inconf list\` shows the ids`,
    );
  return programs;
}
