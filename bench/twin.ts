// Throughput of the twin's address layer on one core: SIOCAIFADDR+SIOCDIFADDR pairs, the
// simplest ioctl (SIOCGIFADDR), and whole Kernels (boot with lo0 configured). Run with
// `npx tsx bench/twin.ts [seconds-per-case]`. Numbers only; nothing here asserts a speed.

import { performance } from "node:perf_hooks";
import { encodeIfreq, ifreqWithAddr } from "../src/abi/if.ts";
import { encodeInAliasreq, inAliasreq, parseIpv4 } from "../src/abi/in.ts";
import { sockaddrIn, type SockaddrIn } from "../src/abi/socket.ts";
import { SIOCAIFADDR, SIOCDIFADDR, SIOCGIFADDR } from "../src/abi/sockio.ts";
import { Kernel } from "../src/kernel/kernel.ts";
import { in_control } from "../src/kernel/netinet/in.ts";

const seconds = Number(process.argv[2] ?? "1");
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`usage: npx tsx bench/twin.ts [seconds-per-case]  (got ${process.argv[2]})`);
  process.exit(2);
}

function addr(s: string): number {
  const a = parseIpv4(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

/** Runs `op` in batches until `seconds` have passed (after a short warm-up); returns ops/s. */
function rate(op: () => void, batch: number): number {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) for (let i = 0; i < batch; i++) op();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < batch; i++) op();
    n += batch;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

function fail(what: string, errno: number): never {
  throw new Error(`${what} failed with errno ${errno}: the benchmark setup is wrong`);
}

const root = Kernel.root();
const k = new Kernel();
const ifname = "vtnet0";
k.attachNic("vtnet", ifname, "02:00:00:00:00:01");
const none: SockaddrIn = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };
const base = encodeInAliasreq(
  inAliasreq(ifname, sockaddrIn(addr("192.0.2.1")), sockaddrIn(addr("255.255.255.0")), none),
);
let e = k.ioctl(root, SIOCAIFADDR, base).errno;
if (e !== 0) fail("SIOCAIFADDR 192.0.2.1/24", e);

// An alias in a prefix of its own, as `ifconfig vtnet0 alias` / `-alias` would cycle it. (An
// alias inside 192.0.2.0/24 would leave, per pair, the seed's LLE_DELETED interface-address
// lltable entry behind, seed in.c:1155-1166 with no prefix flush, and slow every later lookup.)
const alias = encodeInAliasreq(
  inAliasreq(ifname, sockaddrIn(addr("198.51.100.1")), sockaddrIn(addr("255.255.255.0")), none),
);
const unalias = encodeIfreq(ifreqWithAddr(ifname, sockaddrIn(addr("198.51.100.1"))));
const pairs = rate(() => {
  e = k.ioctl(root, SIOCAIFADDR, alias).errno;
  if (e !== 0) fail("SIOCAIFADDR alias", e);
  e = k.ioctl(root, SIOCDIFADDR, unalias).errno;
  if (e !== 0) fail("SIOCDIFADDR alias", e);
}, 100);

const gifaddr = encodeIfreq(ifreqWithAddr(ifname, none));
const gets = rate(() => {
  e = k.ioctl(root, SIOCGIFADDR, gifaddr).errno;
  if (e !== 0) fail("SIOCGIFADDR", e);
}, 10_000);

// The same request straight into in_control, without ioctl(2)'s copyin/copyout and ifioctl's
// name lookup: how much of the SIOCGIFADDR cost is in.c itself.
const ifp = k.interfaces.find((i) => i.if_xname === ifname);
if (ifp === undefined) throw new Error(`${ifname} is not attached`);
const td = { td_ucred: root };
const direct = k.run(() =>
  rate(() => {
    e = in_control(null, SIOCGIFADDR, gifaddr, ifp, td);
    if (e !== 0) fail("in_control(SIOCGIFADDR)", e);
  }, 10_000),
);

const kernels = rate(() => {
  new Kernel();
}, 10);

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US").padStart(12);
console.log(`twin throughput, ${seconds} s per case, node ${process.version}`);
console.log(`${fmt(pairs)} SIOCAIFADDR+SIOCDIFADDR pairs/s (alias 198.51.100.1/24 on ${ifname})`);
console.log(`${fmt(gets)} SIOCGIFADDR/s (ioctl(2) on the twin Kernel)`);
console.log(`${fmt(direct)} in_control(SIOCGIFADDR)/s (called directly, inside the VNET)`);
console.log(`${fmt(kernels)} Kernels/s (boot: lo0 with 127.0.0.1/8)`);
