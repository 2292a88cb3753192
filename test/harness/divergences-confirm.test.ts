// The committed catalogue against the committed traces: for every reference with recorded
// traces, the twin's diff against them has no finding the catalogue does not explain, no
// entry is still unconfirmed, and every known entry is shown by the traces that confirm it.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { allScenarios } from "../../suites/index.ts";
import { createReplayBackend, traceFile } from "../../src/backends/replay.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import {
  catalogueRuns,
  catalogueStanding,
  loadCatalogue,
  type Divergence,
} from "../../src/harness/divergences.ts";
import { compare, type ScenarioResult } from "../../src/harness/runner.ts";

const ROOT = "reference";
const catalogue = await loadCatalogue(ROOT);

/** Scenario ids with a trace under reference/<ref>/. */
function recorded(ref: string): Set<string> {
  const dir = join(ROOT, ref);
  const out = new Set<string>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith(".trace.json")) out.add(relative(dir, p).slice(0, -".trace.json".length));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const references = [...new Set(catalogue.flatMap((d) => d.applies))].filter((r) => r !== "twin").sort();

const line = (d: Divergence): string => `${d.id} (${d.file})`;

describe.each(references)("catalogue against reference/%s", (ref) => {
  const traces = recorded(ref);
  const has = traces.size > 0;
  const about = catalogue.filter((d) => d.applies.includes(ref));

  // Without traces nothing can confirm an entry: unconfirmed ones are allowed until the
  // reference is recorded.
  it.skipIf(!has)("no entry is unconfirmed once traces are recorded", () => {
    expect(about.filter((d) => d.status === "unconfirmed").map(line)).toEqual([]);
  });

  it.skipIf(!has)("every confirming trace exists", () => {
    const missing = about.flatMap((d) =>
      (d.confirmed ?? [])
        .filter((t) => t.startsWith(`${ref}/`) && !traces.has(t.slice(ref.length + 1)))
        .map((t) => `${d.id}: ${traceFile(ROOT, ref, t.slice(ref.length + 1))}`),
    );
    expect(missing).toEqual([]);
  });

  it.skipIf(!has)(
    "the twin against every recorded trace: every finding catalogued, every known entry shown",
    async () => {
      const programs = allScenarios().filter((p) => traces.has(p.id));
      const results: ScenarioResult[] = await compare(
        programs,
        createTwinBackend(),
        createReplayBackend({ release: ref, root: ROOT }),
        catalogue,
      );
      const unexplained = results.flatMap((r) =>
        r.findings
          .filter((f) => f.verdict === "failure" || f.verdict === "regression")
          .map((f) => `${r.program.id}: ${f.finding.path}: ${f.finding.message} ${JSON.stringify(f.key)}`),
      );
      expect(unexplained).toEqual([]);
      expect(results.filter((r) => r.status === "error").map((r) => `${r.program.id}: ${r.reason}`)).toEqual(
        [],
      );
      const standing = catalogueStanding(catalogue, catalogueRuns(results));
      expect(standing.stale.map((s) => `${line(s.entry)}: ${s.scenarios.join(", ")}`)).toEqual([]);
    },
    600_000,
  );
});
