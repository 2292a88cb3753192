// The twin against real FreeBSD on every machine: every suite scenario is replayed from the
// traces recorded on the minimal 10.4 guests (reference/10.4-seedin/, reference/10.4-RELEASE/,
// `inconf record --backend freebsd:<guest>`) and diffed against the twin. Against the seed kernel
// the twin must agree or the finding must be explained by a catalogue entry; against stock 10.4
// every finding must be a catalogued divergence. A scenario whose program changed since its
// trace was recorded fails here until it is recorded again.

import { describe, expect, it } from "vitest";
import { createReplayBackend } from "../../src/backends/replay.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { loadCatalogue } from "../../src/harness/divergences.ts";
import { compare, type ScenarioResult } from "../../src/harness/runner.ts";
import { allScenarios } from "../../suites/index.ts";

const programs = allScenarios();

/** One line per scenario that is not clean: its status and its unexplained findings. */
function problems(results: readonly ScenarioResult[]): string[] {
  return results.flatMap((r) => {
    const unexplained = r.findings.filter((f) => f.verdict !== "known");
    if ((r.status === "pass" || r.status === "known") && unexplained.length === 0) return [];
    const why = unexplained.map((f) => `${f.verdict}: ${f.finding.message}`).slice(0, 3);
    return [
      `${r.program.id}: ${r.status}${r.reason ? ` (${r.reason.split("\n")[0]})` : ""} ${why.join("; ")}`,
    ];
  });
}

describe.each(["10.4-seedin", "10.4-RELEASE"])("the twin against reference/%s", (release) => {
  it("agrees with every recorded trace, or differs only by catalogued divergences", async () => {
    const catalogue = await loadCatalogue("reference");
    const results = await compare(
      programs,
      createTwinBackend(),
      createReplayBackend({ release, root: "reference" }),
      catalogue,
    );
    expect(results).toHaveLength(programs.length);
    // no scenario skipped: every one has a trace, recorded from its current program
    expect(results.filter((r) => r.status === "skipped").map((r) => r.program.id)).toEqual([]);
    expect(problems(results)).toEqual([]);
  });
});
