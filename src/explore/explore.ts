// The exploration loop behind `inconf explore`: generate (or mutate from the coverage corpus) a
// Program, run it on both backends with the harness's `compare`, and on a divergence not seen
// before (a failing finding, or a twin exception) shrink it and write the reproducer.

import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Backend } from "../backends/backend.ts";
import type { Divergence } from "../harness/divergences.ts";
import type { Program } from "../harness/program.ts";
import { compare, type ScenarioResult } from "../harness/runner.ts";
import type { CoverageTracker } from "./coverage.ts";
import { generateProgram, type GenOptions } from "./generate.ts";
import { mutateProgram } from "./mutate.ts";
import { Rng } from "./rng.ts";
import { shrink } from "./shrink.ts";
import { sameSignature, signatures, signatureText, type Signature } from "./signature.ts";

export interface ExploreOptions {
  a: Backend;
  b: Backend;
  seed: number;
  /** Stop after this many Programs... */
  count?: number;
  /** ...or after this many minutes (whichever comes first; one of them must be given). */
  minutes?: number;
  gen: GenOptions;
  catalogue: readonly Divergence[];
  /** Where reproducers go; none written when absent. */
  outDir?: string;
  /** Turns on coverage guidance. */
  coverage?: CoverageTracker;
  /** Candidates the shrinker may run per divergence. */
  shrinkBudget: number;
  /** Distinct divergences to shrink before stopping. */
  maxFindings: number;
  /** The command line that reproduces this run, written into each reproducer. */
  command: string;
  /** Opens a fresh side b (a new guest boot), to confirm each shrunk divergence there: one that
   * shows only in a long-running backend depends on more than the Program. The current b is
   * closed first (at most one guest at a time); the fresh one carries on, and explore closes it. */
  reopenB?: () => Promise<Backend>;
  /** Side b's raw traces go to <dir>/<id>.trace.json, the layout replay reads. */
  saveTraces?: string;
  onProgress?(p: Progress): void;
  onFinding?(f: ExploreFinding): void;
}

export interface Progress {
  programs: number;
  elapsedMs: number;
  divergences: number;
  distinct: number;
  skipped: number;
  corpus: number;
  branches: number;
}

export interface ExploreFinding {
  signature: Signature;
  /** The first Program that showed it, and its index in the run. */
  original: Program;
  index: number;
  shrunk: Program;
  shrinkRuns: number;
  /** The shrunk Program's diff (what `inconf diff` on the file reports). */
  result: ScenarioResult;
  /** Whether it diverged the same way on a freshly opened side b (undefined: not tried). */
  confirmed?: boolean;
  file?: string;
}

export interface ExploreSummary extends Progress {
  seed: number;
  backends: [string, string];
  findings: ExploreFinding[];
  /** Branch count at the end of each whole minute (coverage growth), when guided. */
  branchesPerMinute: number[];
  /** Generated Programs per minute. */
  rate: number;
}

const slug = (s: string): string =>
  s
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);

/** The reproducer: the shrunk Program, saying in its title and cites how it was found. */
function reproducer(f: Omit<ExploreFinding, "file">, o: ExploreOptions, file: string): Program {
  const sig = signatureText(f.signature);
  return {
    ...f.shrunk,
    title: `explore: ${sig}`,
    cites: [
      `found by: ${o.command} (program ${f.index}, ${f.original.steps.length} steps, shrunk in ${f.shrinkRuns} runs)`,
      `reproduce: inconf diff --a ${o.a.name} --b ${o.b.name} ${file}`,
      ...(f.confirmed === false
        ? ["not reproduced on a freshly opened side b: flaky, or needs what ran before"]
        : []),
    ],
  };
}

async function writeReproducer(
  f: Omit<ExploreFinding, "file">,
  o: ExploreOptions,
): Promise<string | undefined> {
  if (o.outDir === undefined) return undefined;
  const hash = createHash("sha256").update(JSON.stringify(f.shrunk.steps)).digest("hex").slice(0, 10);
  const name = `${slug(`${f.signature.kind}-${f.signature.op}`)}-${hash}.json`;
  const file = join(o.outDir, name);
  await mkdir(o.outDir, { recursive: true });
  const p = reproducer(f, o, file);
  await writeFile(file, JSON.stringify(p, null, 2) + "\n");
  return file;
}

async function saveTrace(dir: string, r: ScenarioResult): Promise<void> {
  const side = r.sides[1];
  if (side === undefined) return;
  const file = join(dir, `${r.program.id}.trace.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(side.trace, null, 2) + "\n");
}

export async function explore(o: ExploreOptions): Promise<ExploreSummary> {
  if (o.count === undefined && o.minutes === undefined) throw new RangeError("give count or minutes");
  const rng = new Rng(o.seed);
  const started = Date.now();
  const deadline = o.minutes === undefined ? Infinity : started + o.minutes * 60_000;
  const corpus: Program[] = [];
  const findings: ExploreFinding[] = [];
  const seen: Signature[] = [];
  const branchesPerMinute: number[] = [];
  // Side b, replaced by a fresh one whenever a divergence is confirmed (one guest at a time).
  let b = o.b;
  const diffOne = async (p: Program): Promise<ScenarioResult> => (await compare([p], o.a, b, o.catalogue))[0];
  /** Does `p` diverge the same way on a freshly opened side b? That side then carries on. */
  const confirm = async (reopen: () => Promise<Backend>, p: Program, sig: Signature): Promise<boolean> => {
    await b.close();
    b = await reopen();
    return signatures(await diffOne(p)).some((x) => sameSignature(x, sig));
  };
  const stats: Progress = {
    programs: 0,
    elapsedMs: 0,
    divergences: 0,
    distinct: 0,
    skipped: 0,
    corpus: 0,
    branches: 0,
  };
  await o.coverage?.take(); // the baseline: whatever ran before the first Program

  while ((o.count === undefined || stats.programs < o.count) && Date.now() < deadline) {
    const index = stats.programs;
    const id = `explore/s${o.seed}-${index}`;
    const r = rng.fork();
    // Half the time, once there is a corpus, a mutant of a Program that found new branches.
    const program =
      corpus.length > 0 && r.chance(0.5)
        ? mutateProgram(r, r.pick(corpus), id, o.gen)
        : generateProgram(r, id, o.gen);
    const result = await diffOne(program);
    stats.programs++;
    if (o.saveTraces !== undefined) await saveTrace(o.saveTraces, result);
    if (result.status === "skipped") stats.skipped++;
    if (o.coverage !== undefined && (await o.coverage.take()) > 0) corpus.push(program);

    const sigs = signatures(result);
    if (sigs.length > 0) stats.divergences++;
    const fresh = sigs.find((s) => !seen.some((t) => sameSignature(s, t)));
    if (fresh !== undefined && findings.length < o.maxFindings) {
      seen.push(fresh);
      const oracle = async (p: Program): Promise<boolean> =>
        signatures(await diffOne(p)).some((s) => sameSignature(s, fresh));
      const { program: shrunk, runs } = await shrink(program, oracle, o.shrinkBudget);
      const f = {
        signature: fresh,
        original: program,
        index,
        shrunk,
        shrinkRuns: runs,
        result: await diffOne(shrunk),
        ...(o.reopenB !== undefined && { confirmed: await confirm(o.reopenB, shrunk, fresh) }),
      };
      const file = await writeReproducer(f, o);
      const found = { ...f, ...(file !== undefined && { file }) };
      findings.push(found);
      o.onFinding?.(found);
      // The shrinker's runs went through the twin too; they do not count as exploration (and so
      // a rerun with the same seed against recorded traces makes the same Programs).
      await o.coverage?.discard();
    }

    stats.elapsedMs = Date.now() - started;
    stats.distinct = seen.length;
    stats.corpus = corpus.length;
    stats.branches = o.coverage?.snapshot().branches ?? 0;
    while (branchesPerMinute.length < Math.floor(stats.elapsedMs / 60_000))
      branchesPerMinute.push(stats.branches);
    o.onProgress?.(stats);
    if (findings.length >= o.maxFindings) break;
  }
  stats.elapsedMs = Date.now() - started;
  if (b !== o.b) await b.close();
  return {
    ...stats,
    seed: o.seed,
    backends: [o.a.name, o.b.name],
    findings,
    branchesPerMinute,
    rate: stats.programs / Math.max(stats.elapsedMs / 60_000, 1e-9),
  };
}
