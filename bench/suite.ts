// The whole suite on the twin, and diff throughput: every registered scenario run once through
// `conform` (lowering, a fresh Kernel, decoding, expectations), then through `compare` with the
// twin on both sides (two runs, decode and diff per scenario). Run with
// `npx tsx bench/suite.ts [rounds]`. Numbers only; nothing here asserts a speed.
//
// Besides the wall time of a whole `conform`, it reports the twin's own share: the time spent
// inside the twin Kernel's calls (boot, ops, route sockets, dumps), measured by wrapping the
// TwinKernel the backend drives, with the Kernel's self-check (checkInvariants) apart. The rest
// is the harness: lowering, the backend's hex encoding, decoding, normalization, expectations.
// Garbage collection counts on whichever side is running when it happens, so the split is
// approximate; the timer's own cost is measured and printed beside it.

import { performance } from "node:perf_hooks";
import { createTwinBackend } from "../src/backends/twin.ts";
import { createKernel, type TwinKernel, type TwinRouteSocket } from "../src/backends/twin-kernel.ts";
import { compare, conform } from "../src/harness/runner.ts";
import { allScenarios } from "../suites/index.ts";

const rounds = Number(process.argv[2] ?? "5");
if (!Number.isInteger(rounds) || rounds <= 0) {
  console.error(`usage: npx tsx bench/suite.ts [rounds]  (got ${process.argv[2]})`);
  process.exit(2);
}

/** Milliseconds inside the twin Kernel, and how many calls were timed. */
interface TwinTime {
  kernel: number;
  checks: number;
  calls: number;
}

const spent: TwinTime = { kernel: 0, checks: 0, calls: 0 };

function timed<A extends unknown[], R>(bucket: "kernel" | "checks", f: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    const t0 = performance.now();
    try {
      return f(...args);
    } finally {
      spent[bucket] += performance.now() - t0;
      spent.calls++;
    }
  };
}

function timedSocket(so: TwinRouteSocket): TwinRouteSocket {
  return {
    read: timed("kernel", () => so.read()),
    write: timed("kernel", (cred, bytes) => so.write(cred, bytes)),
    close: timed("kernel", () => so.close()),
  };
}

/** createKernel with every call into the Kernel timed; `transmitted` is the frame log itself. */
const timedKernel: typeof createKernel = async (opts) => {
  const t0 = performance.now();
  const k = await createKernel(opts);
  spent.kernel += performance.now() - t0;
  spent.calls++;
  const timedK: TwinKernel = {
    attachNic: timed("kernel", (driver, name, mac) => k.attachNic(driver, name, mac)),
    ioctl: timed("kernel", (cred, cmd, data) => k.ioctl(cred, cmd, data)),
    sysctl: timed("kernel", (cred, name, value) => k.sysctl(cred, name, value)),
    routeSocketOpen: timed("kernel", () => timedSocket(k.routeSocketOpen())),
    inject: timed("kernel", (ifname, frame) => k.inject(ifname, frame)),
    get transmitted() {
      return k.transmitted;
    },
    advance: timed("kernel", (seconds) => k.advance(seconds)),
    uptime: timed("kernel", () => k.uptime()),
    checkInvariants: timed("checks", () => k.checkInvariants()),
  };
  return timedK;
};

/** What one timer start/stop pair costs here, so the twin figure can be read with it in mind. */
function timerOverheadUs(): number {
  const n = 200_000;
  const nop = timed("checks", () => 0);
  const saved = { ...spent };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) nop();
  const perCall = ((performance.now() - t0) * 1000) / n;
  Object.assign(spent, saved);
  return perCall;
}

const programs = allScenarios();
const a = createTwinBackend();
const b = createTwinBackend();
const timedTwin = createTwinBackend({ makeKernel: timedKernel });

/** Best of `rounds` wall times in milliseconds (the least disturbed run), with its twin time. */
async function best(run: () => Promise<unknown>): Promise<{ ms: number; twin: TwinTime }> {
  let fastest = { ms: Infinity, twin: { ...spent } };
  for (let i = 0; i < rounds; i++) {
    Object.assign(spent, { kernel: 0, checks: 0, calls: 0 });
    const start = performance.now();
    await run();
    const ms = performance.now() - start;
    if (ms < fastest.ms) fastest = { ms, twin: { ...spent } };
  }
  return fastest;
}

// Warm-up, so the first measured figure is not the one that pays for the JIT.
for (let i = 0; i < 2; i++) await conform(programs, a, []);

let errored = 0;
const plain = await best(async () => {
  const results = await conform(programs, a, []);
  errored = results.filter((r) => r.status === "error").length;
});
const timedRun = await best(() => conform(programs, timedTwin, []));
const compareMs = (await best(() => compare(programs, a, b, []))).ms;
await Promise.all([a.close(), b.close(), timedTwin.close()]);
const overheadUs = timerOverheadUs();

const n = programs.length;
const { kernel, checks, calls } = timedRun.twin;
const harness = timedRun.ms - kernel - checks;
console.log(`scenarios: ${n}, best of ${rounds} rounds`);
if (errored > 0) console.log(`warning: ${errored} scenarios ended in an error (see npx inconf run)`);
console.log(
  `whole suite on the twin:  ${plain.ms.toFixed(1)} ms  (${((n * 1000) / plain.ms).toFixed(0)} scenarios/s)`,
);
console.log(`  of which, in a timed run (${timedRun.ms.toFixed(1)} ms, ${calls} Kernel calls timed):`);
console.log(`    twin time, inside the Kernel's calls:  ${kernel.toFixed(1)} ms`);
console.log(`    twin self-checks (checkInvariants):    ${checks.toFixed(1)} ms`);
console.log(`    harness (lower, encode, decode, ...):  ${harness.toFixed(1)} ms`);
console.log(
  `    (a timer start/stop costs ${overheadUs.toFixed(2)} µs here: about ${((calls * overheadUs) / 1000).toFixed(1)} ms of the timed run)`,
);
console.log(
  `twin-vs-twin diff:        ${compareMs.toFixed(1)} ms  (${((n * 1000) / compareMs).toFixed(0)} scenario diffs/s)`,
);
