// Throughput of the twin's address layer on one core: SIOCAIFADDR+SIOCDIFADDR pairs, the
// simplest ioctl (SIOCGIFADDR), whole Kernels (boot with lo0 configured), and how the per-op
// cost grows with addresses, interfaces and the seed's LLE_DELETED pile-up. Run with
// `npx tsx bench/twin.ts [seconds-per-case]` or `npm run bench -- twin`. Numbers only; nothing
// here asserts a speed (docs/performance.md says what the figures mean).
//
// Rates are per second of the process's CPU time (user + system, all threads, so garbage
// collection counts), which a loaded machine disturbs far less than wall time; the wall-clock
// rate is printed beside each.

import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { encodeIfreq, ifreqWithAddr } from "../src/abi/if.ts";
import { encodeInAliasreq, inAliasreq, ipv4ToString, parseIpv4 } from "../src/abi/in.ts";
import { sockaddrIn, type SockaddrIn } from "../src/abi/socket.ts";
import { SIOCAIFADDR, SIOCDIFADDR, SIOCGIFADDR } from "../src/abi/sockio.ts";
import { Kernel } from "../src/kernel/kernel.ts";
import { in_control } from "../src/kernel/netinet/in.ts";

const seconds = Number(process.argv[2] ?? "1");
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`usage: npx tsx bench/twin.ts [seconds-per-case]  (got ${process.argv[2]})`);
  process.exit(2);
}

// The committed baseline: this bench on the twin of ede2379 (before the speed work of issue 12),
// two runs on the shared 2-core machine at load 2.8-3.9, CPU-time rates; printed as ratios.
const BASELINE = { pairs: 32_500, gets: 4_020_000, direct: 21_100_000, kernelUs: 18.2 };

function addr(s: string): number {
  const a = parseIpv4(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Rate {
  /** ops per second of CPU time */
  cpu: number;
  /** ops per second of wall time */
  wall: number;
}

/** Runs `op` in batches for `ms` of CPU time (after a short warm-up); ops/s. */
function rate(op: () => void, batch: number, ms = seconds * 1000): Rate {
  const warmUntil = performance.now() + Math.min(200, ms / 5);
  while (performance.now() < warmUntil) for (let i = 0; i < batch; i++) op();
  let n = 0;
  const wall0 = performance.now();
  const cpu0 = cpuMs();
  let cpu = cpu0;
  while (cpu - cpu0 < ms) {
    for (let i = 0; i < batch; i++) op();
    n += batch;
    cpu = cpuMs();
  }
  return { cpu: n / ((cpu - cpu0) / 1000), wall: n / ((performance.now() - wall0) / 1000) };
}

function fail(what: string, errno: number): never {
  throw new Error(`${what} failed with errno ${errno}: the benchmark setup is wrong`);
}

const root = Kernel.root();
const none: SockaddrIn = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };
const mask24 = sockaddrIn(addr("255.255.255.0"));

function aliasreq(ifname: string, a: number): Uint8Array {
  return encodeInAliasreq(inAliasreq(ifname, sockaddrIn(a), mask24, none));
}

function add(k: Kernel, ifname: string, a: number): void {
  const e = k.ioctl(root, SIOCAIFADDR, aliasreq(ifname, a)).errno;
  if (e !== 0) fail(`SIOCAIFADDR ${ipv4ToString(a)}/24 on ${ifname}`, e);
}

/** A Kernel with `nics` vtnets, `perNic` addresses 10.<nic>.<i>.1/24-ish each, in their own prefixes. */
function machine(nics: number, perNic: number): Kernel {
  const k = new Kernel();
  for (let n = 0; n < nics; n++) {
    const ifname = `vtnet${n}`;
    const mac = `02:00:00:00:${(n >> 8).toString(16).padStart(2, "0")}:${(n & 0xff).toString(16).padStart(2, "0")}`;
    const e = k.attachNic("vtnet", ifname, mac);
    if (e !== 0) fail(`attach ${ifname}`, e);
    // 10.n.i.1/24 for i < 256, then 11.n.(i-256).1/24, ...: a prefix per address.
    for (let i = 0; i < perNic; i++)
      add(k, ifname, ((10 + (i >> 8)) << 24) | (n << 16) | ((i & 0xff) << 8) | 1);
  }
  return k;
}

/** ops/s of SIOCAIFADDR+SIOCDIFADDR of `alias`/24 on `ifname`. */
function pairRate(k: Kernel, ifname: string, alias: number, ms?: number): Rate {
  const req = aliasreq(ifname, alias);
  const unreq = encodeIfreq(ifreqWithAddr(ifname, sockaddrIn(alias)));
  return rate(
    () => {
      let e = k.ioctl(root, SIOCAIFADDR, req).errno;
      if (e !== 0) fail("SIOCAIFADDR alias", e);
      e = k.ioctl(root, SIOCDIFADDR, unreq).errno;
      if (e !== 0) fail("SIOCDIFADDR alias", e);
      // Each pair sends a gratuitous ARP; a user takes the frames as the harness does after
      // every op, so they die young instead of filling the Kernel's frame log.
      k.transmitted.length = 0;
    },
    100,
    ms,
  );
}

function getRate(k: Kernel, ifname: string, ms?: number): Rate {
  const req = encodeIfreq(ifreqWithAddr(ifname, none));
  return rate(
    () => {
      const e = k.ioctl(root, SIOCGIFADDR, req).errno;
      if (e !== 0) fail("SIOCGIFADDR", e);
    },
    10_000,
    ms,
  );
}

const load0 = loadavg();

// The headline cases: an alias in a prefix of its own, as `ifconfig vtnet0 alias` / `-alias`
// would cycle it, beside 192.0.2.1/24. (An alias inside 192.0.2.0/24 piles up the seed's
// LLE_DELETED entries: the pile-up case below.)
const ifname = "vtnet0";
const k = new Kernel();
k.attachNic("vtnet", ifname, "02:00:00:00:00:01");
add(k, ifname, addr("192.0.2.1"));
const pairs = pairRate(k, ifname, addr("198.51.100.1"));
const gets = getRate(k, ifname);

// The same request straight into in_control, without ioctl(2)'s copyin/copyout and ifioctl's
// name lookup: how much of the SIOCGIFADDR cost is in.c itself.
const ifp = k.interfaces.find((i) => i.if_xname === ifname);
if (ifp === undefined) throw new Error(`${ifname} is not attached`);
const td = { td_ucred: root };
const gifaddr = encodeIfreq(ifreqWithAddr(ifname, none));
const direct = k.run(() =>
  rate(() => {
    const e = in_control(null, SIOCGIFADDR, gifaddr, ifp, td);
    if (e !== 0) fail("in_control(SIOCGIFADDR)", e);
  }, 10_000),
);

const kernels = rate(() => {
  new Kernel();
}, 10);

// Issue 12's targets, printed beside each figure.
const GOAL = { pairs: 250_000, gets: 5_000_000, kernelUs: 10 };

const fmt = (n: number, w = 12): string => Math.round(n).toLocaleString("en-US").padStart(w);
const ratio = (now: number, then: number): string => (then > 0 ? `  ×${(now / then).toFixed(2)}` : "");
const verdict = (met: boolean, goal: string): string => `  [goal ${goal}: ${met ? "met" : "not met"}]`;
const line = (r: Rate, what: string, then: number, goal?: number): void =>
  console.log(
    `${fmt(r.cpu)} ${what}  (wall ${fmt(r.wall, 0)}/s)${ratio(r.cpu, then)}` +
      (goal === undefined ? "" : verdict(r.cpu >= goal, `≥ ${fmt(goal, 0)}/s`)),
  );

console.log(`twin throughput, ${seconds} s of CPU per case, node ${process.version}`);
console.log(`load average before: ${load0.map((x) => x.toFixed(2)).join(" ")}`);
console.log(`rates per CPU-second; ratios to the committed baseline (BASELINE in bench/twin.ts)`);
line(
  pairs,
  `SIOCAIFADDR+SIOCDIFADDR pairs/s (alias 198.51.100.1/24 on ${ifname})`,
  BASELINE.pairs,
  GOAL.pairs,
);
line(gets, "SIOCGIFADDR/s (ioctl(2) on the twin Kernel)", BASELINE.gets, GOAL.gets);
line(direct, "in_control(SIOCGIFADDR)/s (called directly, inside the VNET)", BASELINE.direct);
const kernelUs = 1e6 / kernels.cpu;
console.log(
  `${kernelUs.toFixed(2).padStart(12)} µs per fresh Kernel (boot: lo0 with 127.0.0.1/8; wall ${(1e6 / kernels.wall).toFixed(2)} µs)` +
    (BASELINE.kernelUs > 0 ? `  ×${(BASELINE.kernelUs / kernelUs).toFixed(2)}` : "") +
    verdict(kernelUs <= GOAL.kernelUs, `≤ ${GOAL.kernelUs} µs`),
);

// Memory: what a long-lived Kernel keeps per pair once its frames are taken. The seed leaks an
// in_ifaddr reference per SIOCAIFADDR (in.ts in_aifaddr_allocref_held); the twin counts such
// addresses and lets them go, so the figure should stay near zero.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
{
  const m = machine(1, 1);
  const req = aliasreq("vtnet0", addr("198.51.100.1"));
  const unreq = encodeIfreq(ifreqWithAddr("vtnet0", sockaddrIn(addr("198.51.100.1"))));
  const n = 100_000;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) {
    m.ioctl(root, SIOCAIFADDR, req);
    m.ioctl(root, SIOCDIFADDR, unreq);
    m.transmitted.length = 0;
  }
  gc();
  const perPair = (process.memoryUsage().heapUsed - heap0) / n;
  console.log(
    `${perPair.toFixed(1).padStart(12)} bytes of heap kept per pair (${n.toLocaleString("en-US")} pairs, frames taken)`,
  );
}

// Cost growth: µs per op as the machine grows. Each row is a fresh Kernel.
const growMs = Math.max(100, (seconds * 1000) / 4);
const us = (r: Rate): string => (1e6 / r.cpu).toFixed(2).padStart(9);
console.log(`\ncost growth (µs of CPU per op, ${growMs} ms per cell)`);
console.log(`  addresses on vtnet0  pair(198.51.100.1)  SIOCGIFADDR`);
for (const n of [1, 10, 100, 1000]) {
  const m = machine(1, n);
  console.log(
    `  ${String(n).padStart(19)}  ${us(pairRate(m, "vtnet0", addr("198.51.100.1"), growMs)).padStart(18)}  ${us(getRate(m, "vtnet0", growMs)).padStart(11)}`,
  );
}
console.log(`  interfaces (1 addr each)  pair on the last  SIOCGIFADDR on the last`);
for (const n of [1, 10, 100]) {
  const m = machine(n, 1);
  const last = `vtnet${n - 1}`;
  console.log(
    `  ${String(n).padStart(24)}  ${us(pairRate(m, last, addr("198.51.100.1"), growMs)).padStart(16)}  ${us(getRate(m, last, growMs)).padStart(23)}`,
  );
}
// The seed leaves each deleted in-prefix alias's interface-address lltable entry linked with
// LLE_DELETED (seed in.c:1155-1166; its in_scrubprefix flushes no prefix), so every later lookup
// in that hash chain walks past it: per-pair cost grows with the pairs already done.
console.log(`  in-prefix alias 192.0.2.2/24 pairs done  µs per pair`);
{
  const m = machine(1, 0);
  add(m, "vtnet0", addr("192.0.2.1"));
  const req = aliasreq("vtnet0", addr("192.0.2.2"));
  const unreq = encodeIfreq(ifreqWithAddr("vtnet0", sockaddrIn(addr("192.0.2.2"))));
  let done = 0;
  for (const upTo of [0, 1000, 10_000, 30_000]) {
    for (; done < upTo; done++) {
      m.ioctl(root, SIOCAIFADDR, req);
      m.ioctl(root, SIOCDIFADDR, unreq);
      m.transmitted.length = 0;
    }
    const c0 = cpuMs();
    const n = 200;
    for (let i = 0; i < n; i++) {
      m.ioctl(root, SIOCAIFADDR, req);
      m.ioctl(root, SIOCDIFADDR, unreq);
      m.transmitted.length = 0;
    }
    done += n;
    console.log(`  ${String(upTo).padStart(38)}  ${(((cpuMs() - c0) * 1000) / n).toFixed(2).padStart(11)}`);
  }
}
console.log(
  `load average after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
