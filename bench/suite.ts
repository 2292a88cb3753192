// The whole suite on the twin, and diff throughput: every registered scenario run once through
// `conform` (lowering, a fresh Kernel, decoding, expectations), then through `compare` with the
// twin on both sides (two runs, decode and diff per scenario). Run with
// `npx tsx bench/suite.ts [rounds]`. Numbers only; nothing here asserts a speed.
//
// Besides the wall time of a whole `conform`, it reports the twin's own share: the time spent
// inside the twin Kernel's calls (boot, ops, route sockets, dumps), measured by wrapping the
// TwinKernel the backend drives, with the Kernel's self-check (checkInvariants) apart. The rest
// is the harness: lowering, the backend's hex encoding, decoding, normalization, expectations.
// Garbage collection runs whenever an allocation finds the heap full, on whichever side is
// running then, so it is taken out of both (node's "gc" performance entries, each placed inside
// a Kernel call or not by its start time) and printed on its own line. The timer's own cost is
// measured and printed too.

import { performance, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { createTwinBackend } from "../src/backends/twin.ts";
import { createKernel, type TwinKernel, type TwinRouteSocket } from "../src/backends/twin-kernel.ts";
import { compare, conform } from "../src/harness/runner.ts";
import { allScenarios } from "../suites/index.ts";

const rounds = Number(process.argv[2] ?? "5");
if (!Number.isInteger(rounds) || rounds <= 0) {
  console.error(`usage: npx tsx bench/suite.ts [rounds]  (got ${process.argv[2]})`);
  process.exit(2);
}

type Bucket = "kernel" | "checks";

/** The timed calls of the current round, in order: start, end (performance.now ms) and bucket. */
const spans: { start: number[]; end: number[]; bucket: Bucket[] } = { start: [], end: [], bucket: [] };

function timed<A extends unknown[], R>(bucket: Bucket, f: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    const t0 = performance.now();
    try {
      return f(...args);
    } finally {
      spans.start.push(t0);
      spans.end.push(performance.now());
      spans.bucket.push(bucket);
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
  spans.start.push(t0);
  spans.end.push(performance.now());
  spans.bucket.push("kernel");
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

const gcEntries: PerformanceEntry[] = [];
new PerformanceObserver((list) => gcEntries.push(...list.getEntries())).observe({ entryTypes: ["gc"] });

/** Lets the observer deliver the collections of the round just run. */
async function settleGc(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** One round: its wall time and where it went, in milliseconds. */
interface Round {
  ms: number;
  kernel: number;
  checks: number;
  gc: number;
  gcInKernel: number;
  calls: number;
}

/** The timed call containing `t`, by binary search over the round's ordered spans; -1 if none. */
function spanAt(t: number): number {
  let lo = 0;
  let hi = spans.start.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans.start[mid] <= t) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && t < spans.end[hi] ? hi : -1;
}

async function round(run: () => Promise<unknown>): Promise<Round> {
  await settleGc();
  gcEntries.length = 0;
  spans.start.length = spans.end.length = spans.bucket.length = 0;
  const start = performance.now();
  await run();
  const end = performance.now();
  await settleGc();
  const r: Round = { ms: end - start, kernel: 0, checks: 0, gc: 0, gcInKernel: 0, calls: spans.start.length };
  for (let i = 0; i < spans.start.length; i++) r[spans.bucket[i]] += spans.end[i] - spans.start[i];
  for (const e of gcEntries) {
    if (e.startTime < start || e.startTime >= end) continue;
    r.gc += e.duration;
    const i = spanAt(e.startTime);
    if (i < 0) continue;
    r[spans.bucket[i]] -= e.duration;
    r.gcInKernel += e.duration;
  }
  return r;
}

/** What one timer start/stop pair costs here, so the twin figure can be read with it in mind. */
function timerOverheadUs(): number {
  const n = 200_000;
  const nop = timed("checks", () => 0);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) nop();
  const perCall = ((performance.now() - t0) * 1000) / n;
  spans.start.length = spans.end.length = spans.bucket.length = 0;
  return perCall;
}

const programs = allScenarios();
const a = createTwinBackend();
const b = createTwinBackend();
const timedTwin = createTwinBackend({ makeKernel: timedKernel });

/** The faster of two rounds: the least disturbed run. */
const faster = (x: Round | null, y: Round): Round => (x === null || y.ms < x.ms ? y : x);

// Warm-up, so the first measured figure is not the one that pays for the JIT.
for (let i = 0; i < 2; i++) await conform(programs, a, []);

// Plain and timed rounds alternate, so both see the same load; best of `rounds` each.
let errored = 0;
let plain: Round | null = null;
let timedRun: Round | null = null;
for (let i = 0; i < rounds; i++) {
  plain = faster(
    plain,
    await round(async () => {
      const results = await conform(programs, a, []);
      errored = results.filter((r) => r.status === "error").length;
    }),
  );
  timedRun = faster(timedRun, await round(() => conform(programs, timedTwin, [])));
}
let compared: Round | null = null;
for (let i = 0; i < rounds; i++) compared = faster(compared, await round(() => compare(programs, a, b, [])));
if (plain === null || timedRun === null || compared === null) throw new Error("no rounds ran");
await Promise.all([a.close(), b.close(), timedTwin.close()]);
const overheadUs = timerOverheadUs();

const n = programs.length;
const { kernel, checks, gc, gcInKernel, calls } = timedRun;
const harness = timedRun.ms - kernel - checks - gc;
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
  `    garbage collection:                    ${gc.toFixed(1)} ms  (${gcInKernel.toFixed(1)} ms of it during Kernel calls)`,
);
console.log(
  `    (a timer start/stop costs ${overheadUs.toFixed(2)} µs here: about ${((calls * overheadUs) / 1000).toFixed(1)} ms of the timed run)`,
);
console.log(
  `twin-vs-twin diff:        ${compared.ms.toFixed(1)} ms  (${((n * 1000) / compared.ms).toFixed(0)} scenario diffs/s)`,
);
