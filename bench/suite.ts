// The whole suite on the twin, and diff throughput: every registered scenario run once through
// `conform` (lowering, a fresh Kernel, decoding, expectations), then through `compare` with the
// twin on both sides (two runs, decode and diff per scenario). Run with
// `npx tsx bench/suite.ts [rounds]`. Numbers only; nothing here asserts a speed.

import { performance } from "node:perf_hooks";
import { createTwinBackend } from "../src/backends/twin.ts";
import { compare, conform } from "../src/harness/runner.ts";
import { allScenarios } from "../suites/index.ts";

const rounds = Number(process.argv[2] ?? "5");
if (!Number.isInteger(rounds) || rounds <= 0) {
  console.error(`usage: npx tsx bench/suite.ts [rounds]  (got ${process.argv[2]})`);
  process.exit(2);
}

const programs = allScenarios();
const a = createTwinBackend();
const b = createTwinBackend();

/** Best of `rounds` wall times in milliseconds: the least disturbed run. */
async function best(run: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

let errored = 0;
const conformMs = await best(async () => {
  const results = await conform(programs, a, []);
  errored = results.filter((r) => r.status === "error").length;
});
const compareMs = await best(() => compare(programs, a, b, []));
await Promise.all([a.close(), b.close()]);

const n = programs.length;
console.log(`scenarios: ${n}, best of ${rounds} rounds`);
if (errored > 0) console.log(`warning: ${errored} scenarios ended in an error (see npx inconf run)`);
console.log(
  `whole suite on the twin:  ${conformMs.toFixed(1)} ms  (${((n * 1000) / conformMs).toFixed(0)} scenarios/s)`,
);
console.log(
  `twin-vs-twin diff:        ${compareMs.toFixed(1)} ms  (${((n * 1000) / compareMs).toFixed(0)} scenario diffs/s)`,
);
