// The committed catalogue against the committed traces: once a reference has recorded traces,
// no entry about it is still unconfirmed, and every known entry is shown by the traces that
// confirm it (the twin diffed against each confirming trace produces a finding it explains).

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

  // Every finding outside the catalogue fails test/suites/reference.test.ts, which diffs every
  // scenario; here only the confirming ones run, to show each known entry still explains one.
  it.skipIf(!has)(
    "each known entry explains a finding in every trace that confirms it",
    async () => {
      const confirming = new Set(
        about
          .flatMap((d) => (d.confirmed ?? []).filter((t) => t.startsWith(`${ref}/`)))
          .map((t) => t.slice(ref.length + 1)),
      );
      const programs = allScenarios().filter((p) => confirming.has(p.id));
      const results: ScenarioResult[] = await compare(
        programs,
        createTwinBackend(),
        createReplayBackend({ release: ref, root: ROOT }),
        catalogue,
      );
      expect(results.filter((r) => r.status === "error").map((r) => `${r.program.id}: ${r.reason}`)).toEqual(
        [],
      );
      const standing = catalogueStanding(catalogue, catalogueRuns(results));
      expect(standing.stale.map((s) => `${line(s.entry)}: ${s.scenarios.join(", ")}`)).toEqual([]);
    },
    600_000,
  );
});
