// One FreeBSD network stack (a VNET) behind a system-call-shaped surface: ioctl(2) on an AF_INET
// datagram socket, sysctl(2), routing sockets, and a virtual clock. A new Kernel looks like a
// freshly booted system: lo0 exists and carries 127.0.0.1/8, configured through the same
// SIOCAIFADDR rc(8) issues at boot.

import { ENOTTY, EOPNOTSUPP } from "../abi/errno.ts";
import * as ioccom from "../abi/ioccom.ts";
import { encodeInAliasreq, inAliasreq, ipv4ToString, parseIpv4 } from "../abi/in.ts";
import { AF_INET, AF_ROUTE, isSockaddrIn, sockaddrFamily, sockaddrIn } from "../abi/socket.ts";
import { SIOCAIFADDR, SIOCGIFCAP, SIOCSIFCAP, SIOCSIFLLADDR } from "../abi/sockio.ts";
import {
  encodeIfreq,
  IFCAP_LRO,
  IFCAP_RXCSUM,
  IFCAP_RXCSUM_IPV6,
  IFCAP_TSO4,
  IFCAP_TSO6,
  IFCAP_TXCSUM,
  IFCAP_TXCSUM_IPV6,
  IFCAP_VLAN_HWCSUM,
  IFCAP_VLAN_HWTSO,
  ifrCurcap,
  ifreqEmpty,
  ifreqWithInt,
  ifreqWithLladdr,
  decodeIfreq,
} from "../abi/if.ts";
import { isDecodeError } from "../abi/decode.ts";
import { parseMac as parseMacBytes } from "../wire/addr.ts";
import {
  device_attach,
  nic_create,
  nic_inject,
  nic_tunopen,
  type DeviceDriver,
  type NicDriver,
} from "./dev/attach.ts";
import { Clock } from "./kern/clock.ts";
import { kern_jail_set, PR_IP4, PR_VNET, type Thread, type Ucred } from "./kern/cred.ts";
import { domain_add } from "./kern/domain.ts";
import { InvariantError } from "./kern/invariant.ts";
import { sysctl, type SysctlResult } from "./kern/sysctl.ts";
import { framesOf, type FrameIO, type TransmittedFrame } from "./net/frames.ts";
import { ifioctl, inet_dgram_socket, type socket } from "./net/if.ts";
import { if_clone_attach_all } from "./net/if_clone.ts";
import "./dev/epair.ts"; // device epair (INCONF): registers its cloner
import "./net/if_loop.ts";
import type { ifaddr, ifnet } from "./net/if_var.ts";
import { rt_tables_get_rnh, rt_trash } from "./net/route.ts";
import { route_output, rtm_change_leakrefs, rts_attach, rts_detach, type routesock } from "./net/rtsock.ts";
import { CURVNET_RESTORE, CURVNET_SET, vnet, withVnet } from "./net/vnet.ts";
import { garp_holders } from "./netinet/if_ether.ts";
import {
  in_aifaddr_allocref_count,
  in_aifaddr_allocref_held,
  in_control,
  in_domifattach,
  in_domifdetach,
} from "./netinet/in.ts";
import { in_inithead } from "./netinet/in_rmx.ts";
import type { in_ifinfo } from "./netinet/in_var.ts";
import { INADDR_HASH } from "./netinet/in_var.ts";
import { carp_load } from "./netinet/ip_carp.ts";
import { rip_ctlinput } from "./netinet/raw_ip.ts";

// The domains a GENERIC kernel is built with that the twin models (in_proto.c inetdomain,
// rtsock.c routedomain), registered once per process as DOMAIN_SET does at boot.
domain_add({
  dom_family: AF_INET,
  dom_name: "internet",
  dom_rtattach: in_inithead,
  dom_ifattach: in_domifattach,
  dom_ifdetach: (ifp, aux) => in_domifdetach(ifp, aux as in_ifinfo),
  dom_ctlinput: rip_ctlinput,
});
domain_add({
  dom_family: AF_ROUTE,
  dom_name: "route",
  dom_rtattach: null,
  dom_ifattach: null,
  dom_ifdetach: null,
  dom_ctlinput: null,
});

/** What an ioctl(2) leaves in the caller's buffer, and its return value. */
export interface IoctlResult {
  errno: number;
  data: Uint8Array;
}

/**
 * Credentials as scenarios write them (src/harness/ops.ts Cred): a uid, and optionally a jail
 * with its dotted-quad IPv4 addresses. Kernel methods take these or a Ucred.
 */
export interface SpecCred {
  uid: number;
  jail?: { name: string; ip4: string[] };
}

export type AnyCred = Ucred | SpecCred;

/** An open PF_ROUTE socket, as a process holds it. */
export interface RouteSocket {
  /** Messages received since the last read, oldest first. */
  read(): Uint8Array[];
  /** write(2) of one routing message; the errno write returns. */
  write(cred: AnyCred, bytes: Uint8Array): number;
  close(): void;
}

// sys/filio.h: the file ioctls kern_ioctl/soo_ioctl answer without reaching the protocol
const FIOCLEX = 0x20006601;
const FIONCLEX = 0x20006602;
const FIOASYNC = 0x8004667d;
const FIONBIO = 0x8004667e;

// ioccom.h's macros bound once: through a module namespace each use is a getter call in the
// TypeScript runners (tsx, vitest), and Kernel.ioctl reads them on every call.
const { IOC_IN, IOC_OUT, IOC_VOID, IOCGROUP, IOCPARM_LEN, IOCPARM_MAX } = ioccom;

// The ioctl groups soo_ioctl dispatches on: 'i' (interface, ifioctl) and 'r' (routing).
const GROUP_IF = 0x69;
const GROUP_ROUTE = 0x72;

// 10.4 sys_generic.c: commands up to this many bytes use sys_ioctl's stack buffer. The twin
// uses it for those that copy nothing out; the others work in the buffer handed back.
const SYS_IOCTL_SMALL_SIZE = 128;

/**
 * sys_ioctl's on-stack smalldata[SYS_IOCTL_SMALL_SIZE]. Like the C stack buffer it is only valid
 * during the call (kernel code copies what it keeps), and one ioctl runs at a time in this
 * process, so every Kernel shares it; `smalldataBusy` gives a nested call (which the twin never
 * makes) a buffer of its own. The views are fixed windows on one fixed buffer: nothing to go stale.
 */
const smalldataBuf = new Uint8Array(SYS_IOCTL_SMALL_SIZE);
const smalldataViews: Uint8Array[] = [];
let smalldataBusy = false;

function smalldata(size: number): Uint8Array {
  return (smalldataViews[size] ??= smalldataBuf.subarray(0, size));
}

/**
 * rc at boot: 10.4 /etc/defaults/rc.conf leaves ifconfig_lo0 commented out (line 214), so
 * network.subr ipv4_up runs `ifconfig lo0 inet 127.0.0.1/8 alias` (network.subr:676-681), whose
 * SIOCAIFADDR carries the /8 as an AF_INET sockaddr_in mask (af_inet.c:127-131). The same bytes
 * for every Kernel; Kernel.ioctl only reads them.
 */
const LO0_ALIASREQ = encodeInAliasreq(
  inAliasreq("lo0", sockaddrIn(0x7f000001), sockaddrIn(0xff000000), {
    sin_len: 0,
    sin_family: 0,
    sin_port: 0,
    sin_addr: 0,
  }),
);

/** A NIC the machine has at boot: `<driver><unit>` with MAC "aa:bb:cc:dd:ee:ff". */
export interface BootDevice {
  driver: DeviceDriver;
  unit: number;
  mac: string;
}

/** The offloads the guest agent turns off on a vtnet (vm/agent/inconf-agent.c offloads_off). */
const AGENT_OFFLOADS_OFF =
  IFCAP_RXCSUM |
  IFCAP_TXCSUM |
  IFCAP_TSO4 |
  IFCAP_TSO6 |
  IFCAP_LRO |
  IFCAP_VLAN_HWCSUM |
  IFCAP_VLAN_HWTSO |
  IFCAP_RXCSUM_IPV6 |
  IFCAP_TXCSUM_IPV6;

/** A fresh `size`-byte buffer holding `bytes` (at most `size` of them), zero-padded. */
function copyOf(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}

/**
 * The caller's buffer after a call that copied nothing out to it: its own `size` bytes, the
 * very object when it is that long (the kernel never writes to it), zero-padded when shorter.
 * No copy on the common path: a typed array over 64 bytes (an in_aliasreq) costs an off-heap
 * allocation of its own.
 */
function unchanged(user: Uint8Array, size: number): Uint8Array {
  return user.length === size ? user : copyOf(user, size);
}

/** "aa:bb:cc:dd:ee:ff" as six bytes (wire/addr.ts parseMac); RangeError for anything else. */
function parseMac(mac: string): Uint8Array {
  const bytes = parseMacBytes(mac);
  if (!(bytes instanceof Uint8Array)) throw new RangeError(`bad MAC address ${mac}`);
  return bytes;
}

export interface KernelOptions {
  /**
   * NICs found at boot, attached in this order before lo0 is cloned (devices attach at
   * SI_SUB_CONFIGURE, lo0 at SI_SUB_PROTO_IFATTACHDOMAIN: 10.4 sys/kernel.h:139,153,
   * if_loop.c:171), so they take the first interface indices.
   */
  devices?: readonly BootDevice[];
  /** hz of the virtual clock (default 1000, as GENERIC). */
  hz?: number;
  /** Wall-clock seconds at boot, for time_second. */
  boottime?: number;
  /** `kldload carp`: the CARP hooks in.c calls for vhid addresses. */
  carp?: boolean;
}

export class Kernel {
  readonly vnet: vnet;
  /** Frames in and out of the drivers (net/frames.ts). */
  readonly frames: FrameIO;
  readonly #so: socket;
  #nextPid = 100;

  constructor(opts: KernelOptions = {}) {
    this.vnet = new vnet(new Clock(opts.hz ?? 1000, 1, opts.boottime ?? 0));
    this.frames = framesOf(this.vnet);
    this.#so = inet_dgram_socket(this.vnet);
    const devices = (opts.devices ?? []).map((d) => ({ ...d, mac: parseMac(d.mac) }));
    this.run(() => {
      if (opts.carp === true) carp_load();
      for (const d of devices) device_attach(d.driver, d.unit, d.mac);
      if_clone_attach_all();
    });
    const error = this.ioctl(Kernel.root(), SIOCAIFADDR, LO0_ALIASREQ).errno;
    if (error) throw new InvariantError(`boot: configuring lo0 failed: errno ${error}`);
  }

  /** The superuser outside any jail. */
  static root(): Ucred {
    return { cr_uid: 0, cr_prison: null };
  }

  /** An unprivileged user. */
  static user(uid: number): Ucred {
    return { cr_uid: uid, cr_prison: null };
  }

  /**
   * A process in a jail restricted to `ip4` (host-order addresses, primary first). With
   * `vnet`, the jail owns this Kernel's network stack (a VIMAGE jail) and keeps network
   * privileges.
   */
  static jailed(name: string, ip4: number[], opts: { uid?: number; vnet?: boolean } = {}): Ucred {
    const flags = opts.vnet === true ? PR_VNET : PR_IP4;
    const pr = kern_jail_set(name, ip4, flags);
    if (typeof pr === "number") throw new RangeError(`jail ${name}: jail_set refuses it (errno ${pr})`);
    return { cr_uid: opts.uid ?? 0, cr_prison: pr };
  }

  /**
   * The credential an op runs with. A scenario's jail is made as the guest agent makes it, by
   * jail_set(JAIL_CREATE | JAIL_ATTACH) in a child that then takes the uid (kern/cred.ts
   * kern_jail_set): when jail_set refuses the jail, its errno, and the op does not run.
   */
  static credential(cred: AnyCred): Ucred | number {
    if ("cr_uid" in cred) return cred;
    if (cred.jail === undefined) return { cr_uid: cred.uid, cr_prison: null };
    const ip4 = cred.jail.ip4.map((a) => parseIpv4(a));
    if (ip4.some((a) => a === null))
      throw new RangeError(`jail ${cred.jail.name}: bad IPv4 address in ${cred.jail.ip4.join(",")}`);
    const pr = kern_jail_set(cred.jail.name, ip4 as number[]);
    return typeof pr === "number" ? pr : { cr_uid: cred.uid, cr_prison: pr };
  }

  /** Runs kernel code against this stack (CURVNET_SET), draining deferred netisr work after. */
  run<T>(fn: () => T): T {
    return withVnet(this.vnet, () => {
      const r = fn();
      this.frames.drain();
      return r;
    });
  }

  /** Attached interfaces, in attach order. */
  get interfaces(): readonly ifnet[] {
    return this.vnet.ifnet;
  }

  get clock(): Clock {
    return this.vnet.clock;
  }

  /**
   * ioctl(2) on an AF_INET datagram socket (10.4 kern/sys_generic.c sys_ioctl). `data` is the
   * content of the caller's buffer. sys_ioctl copies in IOCPARM_LEN(cmd) bytes whatever the
   * buffer's length; the guest agent (vm/agent/inconf-agent.c do_ioctl) backs a short buffer with
   * zeros, so bytes past `data` read as zeros here too, and bytes past IOCPARM_LEN are never
   * read. The returned data is the IOCPARM_LEN-byte buffer as the caller sees it afterwards:
   * a fresh buffer with what was copied out on success for commands that return data, else the
   * caller's own bytes (`data` itself, or a view of its first IOCPARM_LEN bytes, when it is long
   * enough; `data` is never written). ENOTTY for malformed commands.
   */
  ioctl(anyCred: AnyCred, cmd: number, data: Uint8Array): IoctlResult {
    const cred = Kernel.credential(anyCred);
    cmd = cmd >>> 0;
    const size = IOCPARM_LEN(cmd);
    // The caller's buffer as sys_ioctl reaches it: IOCPARM_LEN bytes, zeros past a short one.
    const user = data.length > size ? data.subarray(0, size) : data;
    if (typeof cred === "number") return { errno: cred, data: unchanged(user, size) };
    if (
      size > IOCPARM_MAX ||
      (cmd & (IOC_VOID | IOC_IN | IOC_OUT)) === 0 ||
      (cmd & IOC_OUT && size === 0) ||
      (cmd & IOC_VOID && size > 0 && size !== 4)
    )
      return { errno: ENOTTY, data: unchanged(user, size) };
    // An int argument passed by value (IOC_VOID with a length): sys_ioctl sets size to 0, so
    // nothing is copied in or out; the pointer itself is the argument, and the twin has none.
    if (size > 0 && cmd & IOC_VOID) return this.#ioctlSmall(cmd, size, user, cred, false);
    if (!(cmd & IOC_OUT)) return this.#ioctlSmall(cmd, size, user, cred, true);
    // A command that copies out: the buffer handed back doubles as the kernel's. It starts as
    // the copyin (IOC_IN) or as sys_ioctl's bzero (a fresh buffer's zeros), and on an error the
    // caller's own bytes are put back, which is what copying out only on success leaves.
    const buf = cmd & IOC_IN ? copyOf(user, size) : new Uint8Array(size);
    const errno = this.#kern_ioctl(cmd, buf, { td_ucred: cred });
    if (errno !== 0) {
      buf.set(user);
      buf.fill(0, user.length);
    }
    return { errno, data: buf };
  }

  /**
   * A command that copies nothing out (IOC_IN alone, or an int by value): the kernel works on
   * sys_ioctl's smalldata, copied in when `copyin` (else the by-value int, 0 here), and the
   * caller's buffer comes back as it was.
   */
  #ioctlSmall(cmd: number, size: number, user: Uint8Array, cred: Ucred, copyin: boolean): IoctlResult {
    const len = copyin ? size : 4;
    const small = len <= SYS_IOCTL_SMALL_SIZE && !smalldataBusy;
    const buf = small ? smalldata(len) : new Uint8Array(len);
    if (copyin) {
      buf.set(user);
      // Zeros past a short caller's buffer only: fill is a call even when it has nothing to do.
      if (user.length < len) buf.fill(0, user.length);
    } else {
      buf.fill(0);
    }
    let errno: number;
    if (small) smalldataBusy = true;
    try {
      errno = this.#kern_ioctl(cmd, buf, { td_ucred: cred });
    } finally {
      if (small) smalldataBusy = false;
    }
    return { errno, data: unchanged(user, size) };
  }

  // sys_generic.c kern_ioctl + sys_socket.c soo_ioctl, under CURVNET_SET, draining the netisr
  // work the command queued before returning (Kernel.run without a closure per call).
  #kern_ioctl(cmd: number, data: Uint8Array, td: Thread): number {
    const prev = CURVNET_SET(this.vnet);
    try {
      const error = this.#soo_ioctl(cmd, data, td);
      if (this.frames.pending > 0) this.frames.drain();
      return error;
    } finally {
      CURVNET_RESTORE(prev);
    }
  }

  #soo_ioctl(cmd: number, data: Uint8Array, td: Thread): number {
    switch (cmd) {
      case FIOCLEX:
      case FIONCLEX:
      case FIONBIO:
      case FIOASYNC:
        return 0;
    }
    const group = IOCGROUP(cmd);
    if (group === GROUP_IF) return ifioctl(this.#so, cmd, data, td);
    // rtioctl_fib: only multicast routing answers there, and it is not loaded.
    if (group === GROUP_ROUTE) return EOPNOTSUPP;
    return in_control(this.#so, cmd, data, null, td);
  }

  /** sysctl(2) by dotted name or number path; `newValue` present means a write. */
  sysctl(
    cred: Ucred,
    name: string | readonly number[],
    newValue?: Uint8Array,
    oldlen?: number,
  ): SysctlResult {
    return this.run(() => sysctl({ td_ucred: cred }, name, newValue, oldlen));
  }

  /** socket(PF_ROUTE, SOCK_RAW, proto): proto 0 hears every family. */
  routeSocketOpen(proto = 0): RouteSocket {
    const pid = this.#nextPid++;
    const so: routesock = this.run(() => rts_attach(proto, pid));
    return {
      read: () => so.read(),
      write: (anyCred, bytes) => {
        const cred = Kernel.credential(anyCred);
        return typeof cred === "number" ? cred : this.run(() => route_output(so, { td_ucred: cred }, bytes));
      },
      close: () => this.run(() => rts_detach(so)),
    };
  }

  /**
   * The guest agent's nic op (vm/agent/inconf-agent.c op_nic): `name` is made to exist
   * (dev/attach.ts nic_create: epair and tun cloned, a missing vtnet hot-plugged), then gets
   * `mac` ("aa:bb:cc:dd:ee:ff") by SIOCSIFLLADDR; a vtnet has its offloads turned off
   * (SIOCGIFCAP, then SIOCSIFCAP if any is on) and a tun's device is opened. Returns an errno.
   */
  attachNic(driver: NicDriver, name: string, mac?: string): number {
    const bytes = mac === undefined ? undefined : parseMac(mac);
    const root = Kernel.root();
    let error = this.run(() => nic_create(driver, name, bytes ?? new Uint8Array(6)));
    if (error === 0 && bytes !== undefined)
      error = this.ioctl(root, SIOCSIFLLADDR, encodeIfreq(ifreqWithLladdr(name, bytes))).errno;
    if (error === 0 && driver === "vtnet") error = this.#offloadsOff(name);
    if (error === 0 && driver === "tun") error = this.run(() => nic_tunopen(name));
    return error;
  }

  #offloadsOff(name: string): number {
    const root = Kernel.root();
    const got = this.ioctl(root, SIOCGIFCAP, encodeIfreq(ifreqEmpty(name)));
    if (got.errno !== 0) return got.errno;
    const ifr = decodeIfreq(got.data);
    if (isDecodeError(ifr)) return got.errno;
    const curcap = ifrCurcap(ifr);
    if ((curcap & AGENT_OFFLOADS_OFF) === 0) return 0;
    return this.ioctl(root, SIOCSIFCAP, encodeIfreq(ifreqWithInt(name, curcap & ~AGENT_OFFLOADS_OFF))).errno;
  }

  /** A frame from the wire into `ifname`'s driver; ENXIO for an unknown interface. */
  inject(ifname: string, frame: Uint8Array): number {
    return this.run(() => nic_inject(ifname, frame));
  }

  /** Frames the drivers have put on the wire and nobody has taken (splice(0)) yet, oldest first. */
  get transmitted(): TransmittedFrame[] {
    return this.frames.transmitted;
  }

  /** Lets `seconds` of virtual time pass, firing due callouts in order. */
  advance(seconds: number): void {
    this.run(() => this.vnet.clock.advance(seconds));
  }

  /**
   * Twin self-checks: every live ifaddr's reference count equals the references the lists and
   * routes hold on it, no route is referenced or awaiting its free, the address lists agree
   * with each other and with the index. An empty list means consistent.
   */
  checkInvariants(): string[] {
    const problems = this.run(() => collectProblems(this.vnet));
    // A reader that takes frames after every op never lets the log fill: lost frames mean an
    // observation is missing some.
    if (this.frames.lost > 0) problems.push(`frame log: ${this.frames.lost} frames dropped untaken`);
    return problems;
  }
}

/** "vtnet0 AF 2 address 192.0.2.1" — enough to find the ifaddr a problem is about. */
function describe(ifa: ifaddr): string {
  const sa = ifa.ifa_addr;
  const where = isSockaddrIn(sa) ? ` address ${ipv4ToString(sa.sin_addr)}` : "";
  return `${ifa.ifa_ifp.if_xname} AF ${sockaddrFamily(sa)}${where}`;
}

function collectProblems(v: vnet): string[] {
  const problems: string[] = [];
  const expected = new Map<ifaddr, number>();
  const add = (ifa: ifaddr): void => {
    expected.set(ifa, (expected.get(ifa) ?? 0) + 1);
  };
  for (const ifp of v.ifnet) {
    if (v.ifindex_table[ifp.if_index] !== ifp)
      problems.push(`${ifp.if_xname}: not at ifindex_table[${ifp.if_index}]`);
    if (ifp.if_addr === null || ifp.if_addrhead[0] !== ifp.if_addr)
      problems.push(`${ifp.if_xname}: link-level address not first`);
    // Only if_alloc's index reference remains once every ifunit_ref has been released.
    if (ifp.if_refcount !== 1) problems.push(`${ifp.if_xname}: if_refcount ${ifp.if_refcount} at rest`);
    for (const ifa of ifp.if_addrhead) {
      add(ifa);
      if (ifa.ifa_ifp !== ifp) problems.push(`${describe(ifa)}: on ${ifp.if_xname}'s list`);
    }
    for (const ifma of ifp.if_multiaddrs) {
      if (ifma.ifma_refcount <= 0)
        problems.push(`${ifp.if_xname}: multicast membership with refcount ${ifma.ifma_refcount}`);
      if (ifma.ifma_llifma !== null && !ifp.if_multiaddrs.includes(ifma.ifma_llifma))
        problems.push(`${ifp.if_xname}: multicast membership's link-layer group is not listed`);
    }
  }
  for (const ia of v.in_ifaddrhead) {
    add(ia);
    if (!ia.ifa_ifp.if_addrhead.includes(ia))
      problems.push(`${ia.ifa_ifp.if_xname}: in_ifaddrhead entry missing from if_addrhead`);
    if (!INADDR_HASH(v, ia.ia_addr.sin_addr).includes(ia))
      problems.push(`${ia.ifa_ifp.if_xname}: in_ifaddr missing from INADDR_HASH`);
  }
  let allocrefs = 0;
  for (const ifa of v.ifaddrs_live) {
    if (!in_aifaddr_allocref_held(ifa)) continue;
    add(ifa);
    allocrefs++;
  }
  // The rest were let go at that last reference (ifaddrs_live.leaked, if.ts ifa_free).
  if (allocrefs + v.ifaddrs_live.leaked !== in_aifaddr_allocref_count())
    problems.push("an address holding the seed's unreleased ifa_alloc reference was freed");
  // Held by a FreeBSD leak: 10.4 rtsock.c route_output RTM_CHANGE (see rtm_change_leakrefs).
  for (const [ifa, n] of rtm_change_leakrefs()) for (let i = 0; i < n; i++) add(ifa);
  // A pending GARP retransmission holds a reference (10.4 if_ether.c garp_timer_start).
  for (const ia of garp_holders()) add(ia);
  const rnh = rt_tables_get_rnh(0, AF_INET);
  if (rnh !== null) {
    for (const e of rnh.rnh.entries()) {
      add(e.value.rt_ifa);
      if (e.value.rt_refcnt !== 0)
        problems.push(`route ${JSON.stringify(e.value.rt_key)}: rt_refcnt ${e.value.rt_refcnt} at rest`);
    }
  }
  for (const rt of rt_trash()) {
    add(rt.rt_ifa);
    problems.push(`route ${JSON.stringify(rt.rt_key)}: removed but still referenced (${rt.rt_refcnt})`);
  }
  for (const ifa of v.ifaddrs_live) {
    const want = expected.get(ifa) ?? 0;
    if (ifa.ifa_refcnt !== want)
      problems.push(
        `${describe(ifa)}: ifa_refcnt ${ifa.ifa_refcnt}, holders ${want} (leak or missing reference)`,
      );
  }
  for (const ifa of expected.keys())
    if (!v.ifaddrs_live.has(ifa)) problems.push(`${describe(ifa)}: referenced after its last ifa_free`);
  return problems;
}
