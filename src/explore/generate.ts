// Typed generators of inconf-program/1 Programs for `inconf explore`: every step kind the harness
// has, with valid and malformed arguments, weighted towards sequences whose steps touch the same
// prefixes, addresses and interfaces (so they interact). No expectations: the diff of two
// backends is the check. Every Program is validated by the harness's own loader.

import { IOCPARM_LEN } from "../abi/ioccom.ts";
import { IOCTLS } from "../abi/sockio.ts";
import { lowerFrame } from "../harness/lower-frame.ts";
import { toHex, type Cred } from "../harness/ops.ts";
import {
  parseProgram,
  PROGRAM_FORMAT,
  type FrameSpec,
  type IoctlArgs,
  type Nic,
  type Program,
  type SinSpec,
  type Step,
} from "../harness/program.ts";
import { SYSCTL_TYPES } from "../harness/sysctl-types.ts";
import type { Rng } from "./rng.ts";

export interface GenOptions {
  /** Steps per Program at most (interaction groups count step by step). */
  maxSteps: number;
  /**
   * A real guest runs the Program: sleeps are real seconds (so they stay short), and raw ioctls
   * use only the address commands (a random SIOCSIFNAME or SIOCSIFVNET could wreck the guest
   * for every later Program).
   */
  guest: boolean;
}

/** NICs a Program may declare; vtnet1/vtnet2 are the guests' test NICs. */
const NIC_POOL: readonly Nic[] = [
  { name: "vtnet1", driver: "vtnet", mac: "02:00:00:00:00:01" },
  { name: "vtnet2", driver: "vtnet", mac: "02:00:00:00:00:02" },
  { name: "epair0a", driver: "epair", mac: "02:00:00:00:00:0a" },
  { name: "tun0", driver: "tun" },
];

/** Clones a Program may create and destroy itself. */
const CLONES: readonly { create: string; halves: readonly string[] }[] = [
  { create: "epair1", halves: ["epair1a", "epair1b"] },
  { create: "tun1", halves: ["tun1"] },
];

const PREFIXES = ["10.0.0", "10.0.1", "192.0.2", "198.51.100"] as const;
const HOSTS = [1, 1, 2, 2, 3, 5, 5, 9, 254, 255, 0] as const;
const LENS: readonly (readonly [number, number])[] = [
  [10, 24],
  [2, 16],
  [2, 25],
  [2, 30],
  [2, 31],
  [3, 32],
  [1, 8],
  [1, 0],
];
const ODD_MASKS = ["255.0.255.0", "0.255.255.255", "255.255.255.254", "255.255.255.255", "0.0.0.0"];
const PEER_MACS = ["02:00:00:00:00:22", "02:00:00:00:00:33", "02:00:00:00:00:01"] as const;
const BROADCAST = "ff:ff:ff:ff:ff:ff";

const GETS = [
  "SIOCGIFADDR",
  "SIOCGIFNETMASK",
  "SIOCGIFBRDADDR",
  "SIOCGIFDSTADDR",
  "SIOCGIFFLAGS",
  "SIOCGIFINDEX",
  "SIOCGIFMTU",
  "SIOCGIFMETRIC",
] as const;
const SETS = ["SIOCSIFADDR", "SIOCSIFNETMASK", "SIOCSIFBRDADDR", "SIOCSIFDSTADDR"] as const;
/** Raw ioctls a guest gets: in_control's commands, which only touch IPv4 addresses. */
const GUEST_RAW = [
  "SIOCAIFADDR",
  "OSIOCAIFADDR",
  "SIOCDIFADDR",
  "SIOCALIFADDR",
  "SIOCGLIFADDR",
  "SIOCDLIFADDR",
  ...SETS,
  ...GETS.slice(0, 4),
];
const INT_SYSCTLS = Object.entries(SYSCTL_TYPES)
  .filter(([, t]) => t.type === "int")
  .map(([name]) => name);

/** What the steps so far have touched, so later steps aim at the same things. */
class World {
  readonly steps: Step[] = [];
  /** Interfaces that exist now (declared NICs, live clones). */
  readonly ifaces: string[];
  readonly ether: Set<string>;
  /** Addresses given to interfaces (as written), newest last. */
  readonly addrs: { ifname: string; addr: string; len: number }[] = [];
  readonly prefixes: string[] = [];
  readonly clones = new Set<string>();

  constructor(
    readonly rng: Rng,
    readonly nics: readonly Nic[],
    readonly opts: GenOptions,
    public sleepBudget: number,
  ) {
    this.ifaces = nics.map((n) => n.name);
    this.ether = new Set(nics.filter((n) => n.driver !== "tun").map((n) => n.name));
  }

  macOf(ifname: string): string {
    return this.nics.find((n) => n.name === ifname)?.mac ?? BROADCAST;
  }

  iface(): string {
    return this.rng.chance(0.05) ? "lo0" : this.rng.pick(this.ifaces);
  }

  etherIface(): string | undefined {
    const xs = this.ifaces.filter((i) => this.ether.has(i));
    return xs.length === 0 ? undefined : this.rng.pick(xs);
  }

  /** A /24-ish network, most often one already in use. */
  prefix(): string {
    if (this.prefixes.length > 0 && this.rng.chance(0.75)) return this.rng.pick(this.prefixes);
    const p = this.rng.pick(PREFIXES);
    if (!this.prefixes.includes(p)) this.prefixes.push(p);
    return p;
  }

  host(prefix = this.prefix()): string {
    return `${prefix}.${this.rng.pick(HOSTS)}`;
  }

  /** An address already configured (most often), else a fresh one. */
  knownAddr(): string {
    if (this.addrs.length > 0 && this.rng.chance(0.8)) return this.rng.pick(this.addrs).addr;
    return this.host();
  }

  len(): number {
    return this.rng.weighted(LENS);
  }

  add(step: Step): void {
    if (this.steps.length < this.opts.maxSteps) this.steps.push(step);
  }

  get full(): boolean {
    return this.steps.length >= this.opts.maxSteps;
  }
}

const netOf = (addr: string): string => addr.split(".").slice(0, 3).join(".");

/** A sockaddr_in spec: mostly well formed, sometimes with a bad sin_len, family or port. */
function sin(w: World, addr: string): SinSpec {
  const r = w.rng;
  if (!r.chance(0.1)) return addr;
  return r.weighted<SinSpec>([
    [3, { addr, len: r.pick([0, 1, 8, 15, 17, 255]) }],
    [3, { addr, family: r.pick([0, 1, 3, 28, 255]) }],
    [1, { addr, port: r.int(1, 65535) }],
    [1, { addr, len: 16, family: 2 }],
  ]);
}

function maskSpec(w: World, len: number): SinSpec {
  if (w.rng.chance(0.1)) return w.rng.pick(ODD_MASKS);
  const bits = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return sin(w, [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join("."));
}

function cred(w: World): Cred | undefined {
  const r = w.rng;
  if (!r.chance(0.08)) return undefined;
  return r.weighted<Cred>([
    [2, { uid: 1001 }],
    [2, { uid: 0, jail: { name: "j1", ip4: [w.knownAddr()] } }],
    [1, { uid: 1001, jail: { name: "j2", ip4: [w.knownAddr()] } }],
  ]);
}

function withCred<S extends Step>(w: World, step: S): S {
  const as = cred(w);
  return as === undefined ? step : { ...step, as };
}

/** SIOCAIFADDR: an address with a mask and, by interface kind, a broadcast or destination. */
function aifaddr(w: World, ifname = w.iface(), addr = w.host()): void {
  const r = w.rng;
  const len = w.len();
  const args: IoctlArgs = {};
  if (r.chance(0.6)) args.addr = r.chance(0.9) ? `${addr}/${len}` : sin(w, addr);
  else {
    args.addr = sin(w, addr);
    if (r.chance(0.8)) args.mask = maskSpec(w, len);
  }
  const ptp = ifname.startsWith("tun");
  if (ptp ? r.chance(0.8) : r.chance(0.1)) args.dstaddr = sin(w, w.host(netOf(addr)));
  else if (r.chance(0.2)) args.broadaddr = sin(w, r.chance(0.5) ? `${netOf(addr)}.255` : w.host());
  if (r.chance(0.03)) args.vhid = r.int(1, 3);
  const cmd = r.chance(0.05) ? "OSIOCAIFADDR" : "SIOCAIFADDR";
  w.add(withCred(w, { op: "ioctl", cmd, ifname, args }));
  w.addrs.push({ ifname, addr, len });
}

function difaddr(w: World): void {
  const known = w.addrs.length > 0 && w.rng.chance(0.85) ? w.rng.pick(w.addrs) : undefined;
  const ifname = known !== undefined && w.rng.chance(0.85) ? known.ifname : w.iface();
  const args: IoctlArgs = w.rng.chance(0.05) ? {} : { addr: sin(w, known?.addr ?? w.host()) };
  w.add(withCred(w, { op: "ioctl", cmd: "SIOCDIFADDR", ifname, args }));
}

function setter(w: World): void {
  const cmd = w.rng.pick(SETS);
  const ifname = w.iface();
  const value =
    cmd === "SIOCSIFNETMASK"
      ? maskSpec(w, w.len())
      : cmd === "SIOCSIFBRDADDR"
        ? sin(w, `${w.prefix()}.255`)
        : sin(w, w.host());
  w.add(withCred(w, { op: "ioctl", cmd, ifname, args: { addr: value } }));
  if (cmd === "SIOCSIFADDR" && typeof value === "string") w.addrs.push({ ifname, addr: value, len: 8 });
}

function getter(w: World): void {
  const cmd = w.rng.pick(GETS);
  const args: IoctlArgs | undefined =
    cmd.endsWith("ADDR") && w.rng.chance(0.4) ? { addr: sin(w, w.knownAddr()) } : undefined;
  const spec = w.rng.chance(0.05) ? { missing: "vtnet9" } : w.iface();
  w.add(withCred(w, { op: "ioctl", cmd, ifname: spec, ...(args && { args }) }));
}

/** An ioctl with raw bytes: a known or random command, of the right or a wrong length. */
function rawIoctl(w: World): void {
  const r = w.rng;
  const names = w.opts.guest ? GUEST_RAW : Object.keys(IOCTLS);
  const cmd = w.opts.guest || r.chance(0.8) ? IOCTLS[r.pick(names)] : r.u32();
  const size = IOCPARM_LEN(cmd);
  const n = r.weighted([
    [6, size],
    [2, r.int(0, Math.max(0, size - 1))],
    [1, size + r.int(1, 16)],
  ]);
  const bytes = r.bytes(Math.min(n, 512));
  // Most carry a real interface name, so the command reaches the code behind the lookup.
  if (r.chance(0.8) && bytes.length >= 16) {
    bytes.fill(0, 0, 16);
    bytes.set(Buffer.from(w.iface()), 0);
  }
  w.add(withCred(w, { op: "ioctl", cmd, hex: toHex(bytes) }));
}

function ifflags(w: World): void {
  const up = w.rng.chance(0.7);
  const names = [w.rng.chance(0.1) ? "IFF_NOARP" : "IFF_UP"];
  w.add(withCred(w, { op: "ifflags", ifname: w.iface(), set: up ? names : [], clear: up ? [] : names }));
}

function clone(w: World): void {
  const c = w.rng.pick(CLONES);
  const live = c.halves.filter((h) => w.ifaces.includes(h));
  if (w.clones.has(c.create) && w.rng.chance(0.7)) {
    w.add(withCred(w, { op: "ifdestroy", ifname: w.rng.pick(live.length > 0 ? live : c.halves) }));
    w.clones.delete(c.create);
    for (const h of live) w.ifaces.splice(w.ifaces.indexOf(h), 1);
    return;
  }
  if (!w.clones.has(c.create) && w.rng.chance(0.8)) {
    w.add(withCred(w, { op: "ifcreate", ifname: c.create }));
    w.clones.add(c.create);
    for (const h of c.halves) {
      w.ifaces.push(h);
      if (h.startsWith("epair")) w.ether.add(h);
    }
    return;
  }
  // A declared epair/tun NIC destroyed under its addresses.
  const nic = w.nics.find((n) => n.driver !== "vtnet" && w.ifaces.includes(n.name));
  if (nic !== undefined) w.add(withCred(w, { op: "ifdestroy", ifname: nic.name }));
}

function route(w: World): void {
  const r = w.rng;
  const type = r.weighted([
    [4, "RTM_ADD"],
    [3, "RTM_DELETE"],
    [1, "RTM_CHANGE"],
    [2, "RTM_GET"],
  ] as const);
  const len = r.pick([32, 24, 16, 0]);
  const octets = w
    .prefix()
    .split(".")
    .slice(0, len / 8);
  const dst = len === 32 ? w.host() : `${[...octets, "0", "0", "0", "0"].slice(0, 4).join(".")}/${len}`;
  const step: Step = { op: "route", type, dst };
  if (type !== "RTM_GET" && type !== "RTM_DELETE" ? true : r.chance(0.3)) step.gateway = w.knownAddr();
  if (r.chance(0.1)) step.flags = [r.pick(["BLACKHOLE", "REJECT", "PROTO1"])];
  w.add(withCred(w, step));
}

/** `arp -s ADDR MAC [pub]` and `arp -d ADDR`. */
function arpEntry(w: World): void {
  const ifname = w.etherIface();
  if (ifname === undefined) return;
  const dst = w.rng.chance(0.7) ? w.host() : w.knownAddr();
  if (w.rng.chance(0.6)) {
    const step: Step = { op: "route", type: "RTM_ADD", dst, lladdr: w.rng.pick(PEER_MACS), ifname };
    if (w.rng.chance(0.2)) step.flags = ["ANNOUNCE"];
    w.add(withCred(w, step));
  } else {
    w.add(withCred(w, { op: "route", type: "RTM_DELETE", dst, ifname }));
  }
}

/** A typed frame aimed at the addresses in play (both ways round: us as target, us as sender). */
function typedFrame(w: World, ifname: string): FrameSpec {
  const r = w.rng;
  const peer = r.pick(PEER_MACS);
  const ours = w.knownAddr();
  const other = r.chance(0.7) ? w.host(netOf(ours)) : w.host();
  const us = w.macOf(ifname);
  return r.weighted<FrameSpec>([
    [5, { kind: "arp-request", src_mac: peer, src_ip: other, target_ip: ours }],
    [
      3,
      {
        kind: "arp-reply",
        src_mac: peer,
        src_ip: other,
        dst_mac: r.chance(0.8) ? us : BROADCAST,
        dst_ip: ours,
      },
    ],
    [2, { kind: "garp", src_mac: peer, ip: r.chance(0.5) ? ours : other }],
    [2, { kind: "icmp-echo", src_mac: peer, dst_mac: us, src_ip: other, dst_ip: ours, id: r.int(0, 65535) }],
    [
      1,
      {
        kind: "igmp-report",
        src_mac: peer,
        src_ip: other,
        group: r.pick(["224.0.0.1", "224.0.0.22", "239.1.1.1"]),
      },
    ],
    [
      1,
      {
        kind: "udp",
        src_mac: peer,
        dst_mac: us,
        src_ip: other,
        dst_ip: ours,
        src_port: 1024,
        dst_port: r.pick([7, 9, 53, 33434]),
      },
    ],
  ]);
}

/** A frame's bytes mutated: flipped bytes, a truncation, trailing garbage, or a bad field. */
export function mutateBytes(r: Rng, bytes: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(bytes);
  const rounds = r.int(1, 3);
  for (let i = 0; i < rounds; i++) {
    const kind = r.weighted([
      [4, "flip"],
      [2, "truncate"],
      [1, "extend"],
      [2, "field"],
    ] as const);
    if (kind === "flip" && out.length > 0) out[r.int(0, out.length - 1)] ^= 1 << r.int(0, 7);
    else if (kind === "truncate") out = out.slice(0, r.int(0, out.length));
    else if (kind === "extend") out = Uint8Array.from([...out, ...r.bytes(r.int(1, 32))]);
    else if (out.length > 0)
      out[
        r.pick(
          [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 26, 29, 33, 38]
            .filter((o) => o < out.length)
            .concat([0]),
        )
      ] = r.pick([0, 1, 4, 6, 0x45, 0xff]);
  }
  return out;
}

function inject(w: World): void {
  const r = w.rng;
  const eth = w.etherIface();
  const tun = w.ifaces.filter((i) => i.startsWith("tun"));
  const ifname =
    eth === undefined || (tun.length > 0 && r.chance(0.15))
      ? tun.length > 0
        ? r.pick(tun)
        : undefined
      : eth;
  if (ifname === undefined) return;
  const typed = typedFrame(w, ifname);
  const isTun = ifname.startsWith("tun");
  if (!isTun && r.chance(0.75)) {
    w.add({ op: "inject", ifname, frame: typed });
    return;
  }
  // tun carries bare IPv4 (its default mode): the builder's frame without the Ethernet header.
  const bytes = lowerFrame(typed);
  const base = isTun ? bytes.subarray(14) : bytes;
  const hex = toHex(r.chance(isTun ? 0.5 : 1) ? mutateBytes(r, base) : base);
  w.add({ op: "inject", ifname, frame: { kind: "hex", hex } });
}

function sysctl(w: World): void {
  const name = w.rng.pick(INT_SYSCTLS);
  const value = w.rng.chance(0.3) ? undefined : w.rng.pick([0, 1, 2, 5, 100, -1]);
  w.add(withCred(w, { op: "sysctl", name, ...(value !== undefined && { value }) }));
}

function sleep(w: World): void {
  const want = w.rng.pick(w.opts.guest ? [1, 2, 3] : [1, 2, 5, 21, 60, 301, 1201]);
  const seconds = Math.min(want, w.sleepBudget);
  if (seconds <= 0) return;
  w.sleepBudget -= seconds;
  w.add({ op: "sleep", seconds });
}

// The interaction groups: several steps on the same prefix, address or ARP entry.

function samePrefixTwoIfs(w: World): void {
  const [a, b] = [w.etherIface() ?? w.iface(), w.iface()];
  const p = w.prefix();
  aifaddr(w, a, `${p}.1`);
  aifaddr(w, b, `${p}.2`);
  if (w.rng.chance(0.5)) difaddr(w);
}

function aliasThenPrimaryDelete(w: World): void {
  const ifname = w.etherIface() ?? w.iface();
  const p = w.prefix();
  aifaddr(w, ifname, `${p}.1`);
  aifaddr(w, ifname, `${p}.${w.rng.pick([5, 9, 254])}`);
  w.add({ op: "ioctl", cmd: "SIOCDIFADDR", ifname, args: { addr: `${p}.1` } });
}

function changeUnderArp(w: World): void {
  const ifname = w.etherIface();
  if (ifname === undefined) return;
  const p = w.prefix();
  aifaddr(w, ifname, `${p}.1`);
  w.add({
    op: "inject",
    ifname,
    frame: { kind: "arp-request", src_mac: w.rng.pick(PEER_MACS), src_ip: `${p}.2`, target_ip: `${p}.1` },
  });
  if (w.rng.chance(0.5)) w.add({ op: "ioctl", cmd: "SIOCSIFADDR", ifname, args: { addr: `${p}.5` } });
  else aifaddr(w, ifname, w.host());
  w.add({ op: "observe" });
}

const STEPS: readonly (readonly [number, (w: World) => void])[] = [
  [20, (w) => aifaddr(w)],
  [10, difaddr],
  [8, setter],
  [8, getter],
  [6, ifflags],
  [4, clone],
  [5, route],
  [5, arpEntry],
  [16, inject],
  [3, sysctl],
  [4, sleep],
  [3, (w) => w.add({ op: "observe" })],
  [3, rawIoctl],
  [4, samePrefixTwoIfs],
  [4, aliasThenPrimaryDelete],
  [4, changeUnderArp],
];

/** One Program from `rng`; `id` must be a Program id ("explore/s1-17"). */
export function generateProgram(rng: Rng, id: string, opts: GenOptions): Program {
  const nics = NIC_POOL.filter((_, i) => i === 0 || rng.chance(0.4));
  const w = new World(rng, nics, opts, opts.guest ? 6 : 3000);
  // Interfaces start down on the guests; most Programs bring theirs up first.
  for (const n of nics)
    if (n.driver !== "tun" && rng.chance(0.8))
      w.add({ op: "ifflags", ifname: n.name, set: ["IFF_UP"], clear: [] });
  const target = rng.int(1, opts.maxSteps);
  while (w.steps.length < target && !w.full) rng.weighted(STEPS)(w);
  const sysctls: Record<string, number> = {};
  // Short ARP lifetimes, so sleeps cross the timers (10.4 if_ether.c arptimer, max_age).
  if (rng.chance(0.3)) sysctls["net.link.ether.inet.max_age"] = rng.pick([2, 5, 30]);
  return finish({
    format: PROGRAM_FORMAT,
    id,
    title: "generated by inconf explore",
    family: "explore",
    cites: [],
    nics,
    ...(Object.keys(sysctls).length > 0 && { sysctls }),
    steps: w.steps,
  });
}

/** The harness's loader is the judge: a Program it rejects is a bug in this generator. */
export function finish(p: Program): Program {
  return parseProgram(JSON.parse(JSON.stringify(p)), p.id);
}
