// `npm run bench`: every benchmark in turn, each in its own process so one's warm-up and garbage
// do not colour the next. Extra arguments pick benchmarks by name: `npm run bench -- suite`.

import { existsSync } from "node:fs";
import { execa } from "execa";

const BENCHES: readonly { name: string; file: string; what: string }[] = [
  { name: "twin", file: "bench/twin.ts", what: "ioctls/s, alias add+delete pairs/s, Kernels/s" },
  { name: "suite", file: "bench/suite.ts", what: "the whole suite on the twin, diff throughput" },
  {
    name: "robustness",
    file: "bench/robustness.ts",
    what: "the twin's robustness bar (issue 11); --quick: 1/100",
  },
  {
    name: "vm",
    file: "bench/vm.ts",
    what: "boot, reset, round trips and scenarios/s on the minimal FreeBSD guest",
  },
  {
    name: "vm-testguest",
    file: "bench/vm-testguest.ts",
    what: "reset time and ops/s on the Linux test guest",
  },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flags = process.argv.slice(2).filter((a) => a.startsWith("--")); // passed on: --quick
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`);
  process.exit(2);
}

let failed = 0;
for (const b of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(b.name)) continue;
  console.log(`\n== ${b.name}: ${b.what}`);
  if (!existsSync(b.file)) {
    console.log(`(${b.file} is missing)`);
    failed++;
    continue;
  }
  const r = await execa("npx", ["tsx", b.file, ...flags], { stdio: "inherit", reject: false });
  if (r.exitCode !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
