// RawTrace → Observations, through src/abi (routing messages, sysctl dumps) and src/wire
// (frames). Interface indices become names using every iflist dump, announcement and message
// IFP slot in the trace, because indices differ between the twin and a VM with a management NIC.

import { getN32, isDecodeError, formatDecodeError, u64Json, type DecodeError } from "../abi/decode.ts";
import { formatIfFlags, IFF_POINTOPOINT } from "../abi/if.ts";
import { formatLladdr } from "../abi/if_dl.ts";
import { ipv4ToString, maskToPrefix } from "../abi/in.ts";
import {
  decodeRoutingMessage,
  decodeRoutingMessages,
  formatRoutingMessage,
  formatRtFlags,
  formatSockaddr,
  rtmTypeName,
  RTF_HOST,
  RTAX_NAMES,
  type RoutingMessage,
} from "../abi/route.ts";
import {
  AF_INET,
  AF_INET6,
  LLADDR,
  isSockaddrDl,
  isSockaddrIn,
  sdlName,
  sockaddrFamily,
  type Sockaddr,
} from "../abi/socket.ts";
import { formatFrame } from "../wire/format.ts";
import { frameToJson } from "../wire/json.ts";
import { lowerProgram, type OpOrigin } from "./lower.ts";
import { fromHex, type OpResult, type RawTrace } from "./ops.ts";
import type { Program } from "./program.ts";
import type {
  AddrObs,
  ArpObs,
  FrameObs,
  GroupObs,
  IfObs,
  Observations,
  OpObs,
  RouteObs,
  RtMsgObs,
  StateObs,
} from "./observation.ts";

type IfNames = Map<number, string>;

/** One op's routing messages and dumps, decoded once: names come from them all before any op is described. */
interface DecodedResult {
  rtsock: (RoutingMessage | DecodeError)[];
  dumps?: Record<"iflist" | "routes" | "arp" | "ifmalist", RoutingMessage[] | DecodeError>;
}

/**
 * Decodes a trace; `program` (when known) labels each op with the step it came from, or
 * `origins` when the caller has lowered it already.
 */
export function decodeTrace(
  trace: RawTrace,
  program?: Program,
  origins: readonly OpOrigin[] = program !== undefined
    ? lowerProgram(program).origins
    : trace.ops.map(() => ({ role: "setup" })),
): Observations {
  const decoded = trace.results.map(decodeResult);
  const names = collectIfNames(decoded);
  const rawIp = rawIpInterfaces(trace);
  return {
    program: trace.program,
    backend: trace.backend,
    provenance: trace.provenance,
    ops: trace.ops.map((op, i) =>
      decodeOp(i, op, origins[i] ?? { role: "setup" }, trace.results[i], decoded[i], names, rawIp),
    ),
  };
}

function decodeResult(r: OpResult): DecodedResult {
  const rtsock = r.rtsock.map((hex) => decodeRoutingMessage(fromHex(hex)));
  if (r.dumps === undefined) return { rtsock };
  const dump = (hex: string): RoutingMessage[] | DecodeError => decodeRoutingMessages(fromHex(hex));
  return {
    rtsock,
    dumps: {
      iflist: dump(r.dumps.iflist),
      routes: dump(r.dumps.routes),
      arp: dump(r.dumps.arp),
      ifmalist: dump(r.dumps.ifmalist),
    },
  };
}

/** tun interfaces carry raw IP, not Ethernet (if_tun.c tunoutput); src/wire decodes Ethernet only. */
export function rawIpInterfaces(trace: Pick<RawTrace, "ops">): Set<string> {
  return new Set(trace.ops.flatMap((o) => (o.op === "nic" && o.driver === "tun" ? [o.name] : [])));
}

function frameObs(f: OpResult["frames"][number], rawIp: ReadonlySet<string>): FrameObs {
  const bytes = fromHex(f.frame);
  if (rawIp.has(f.ifname)) {
    const json = {
      length: bytes.length,
      layers: [{ layer: "payload", what: "raw IP (tun, not decoded)", bytes: f.frame }],
    };
    return { ifname: f.ifname, time: f.time, hex: f.frame, summary: `raw IP, length ${bytes.length}`, json };
  }
  return {
    ifname: f.ifname,
    time: f.time,
    hex: f.frame,
    summary: formatFrame(bytes),
    json: frameToJson(bytes),
  };
}

function decodeOp(
  index: number,
  op: RawTrace["ops"][number],
  origin: OpOrigin,
  r: OpResult,
  d: DecodedResult,
  names: IfNames,
  rawIp: ReadonlySet<string>,
): OpObs {
  const decodeErrors: string[] = [];
  const rtsock: RtMsgObs[] = [];
  d.rtsock.forEach((m, i) => {
    if (isDecodeError(m))
      decodeErrors.push(`routing message ${r.rtsock[i].slice(0, 16)}…: ${formatDecodeError(m)}`);
    else rtsock.push(rtMsgObs(m, names));
  });
  const frames: FrameObs[] = r.frames.map((f) => frameObs(f, rawIp));
  const obs: OpObs = { index, origin, op, errno: r.errno, rtsock, frames, decodeErrors };
  if (r.data !== undefined) obs.data = r.data;
  if (d.dumps !== undefined) obs.state = decodeState(d.dumps, r.dumps?.uptime, names, decodeErrors);
  return obs;
}

function dumpMessages(
  msgs: RoutingMessage[] | DecodeError,
  what: string,
  errors: string[],
): RoutingMessage[] {
  if (isDecodeError(msgs)) {
    errors.push(`${what} dump: ${formatDecodeError(msgs)}`);
    return [];
  }
  return msgs;
}

/** index → name from every iflist dump (RTM_IFINFO's sockaddr_dl) and RTM_IFANNOUNCE. */
function collectIfNames(results: readonly DecodedResult[]): IfNames {
  const names: IfNames = new Map();
  const learn = (m: RoutingMessage): void => {
    if (m.kind === "ifannounce") {
      if (!names.has(m.hdr.ifan_index)) names.set(m.hdr.ifan_index, m.hdr.ifan_name);
      return;
    }
    // Address and membership messages name their interface in the IFP slot too, so a trace
    // that ends (a panic) before any dump still names the interfaces of its messages.
    const index =
      m.kind === "if"
        ? m.hdr.ifm_index
        : m.kind === "ifa"
          ? m.hdr.ifam_index
          : m.kind === "ifma"
            ? m.hdr.ifmam_index
            : undefined;
    if (index !== undefined && m.addrs.ifp !== undefined && isSockaddrDl(m.addrs.ifp) && !names.has(index))
      names.set(index, sdlName(m.addrs.ifp));
  };
  for (const r of results) {
    if (r.dumps !== undefined && !isDecodeError(r.dumps.iflist)) r.dumps.iflist.forEach(learn);
    for (const m of r.rtsock) if (!isDecodeError(m)) learn(m);
  }
  return names;
}

function ifname(names: IfNames, index: number): string {
  return names.get(index) ?? `if#${index}`;
}

/** Address text: dotted quad, "link#vtnet1" or a MAC for sockaddr_dl, else the abi format. */
function saText(sa: Sockaddr, names: IfNames): string {
  if (isSockaddrIn(sa)) return ipv4ToString(sa.sin_addr);
  if (isSockaddrDl(sa)) {
    if (sa.sdl_alen > 0) return formatLladdr(LLADDR(sa));
    return `link#${sa.sdl_nlen > 0 ? sdlName(sa) : ifname(names, sa.sdl_index)}`;
  }
  return formatSockaddr(sa);
}

/**
 * A netmask's host-order value. Masks come trimmed (sin_len up to the last non-zero byte) and
 * with whatever family byte the radix tree left (0 or 0xff), so read the sin_addr bytes of any
 * sockaddr, missing bytes as zero.
 */
export function maskOf(sa: Sockaddr | undefined): number | null {
  if (sa === undefined) return null;
  if (isSockaddrIn(sa)) return sa.sin_addr;
  if (isSockaddrDl(sa)) return null;
  return getN32(sa.sa_data, 2);
}

function ipOf(sa: Sockaddr | undefined): string | undefined {
  return sa !== undefined && isSockaddrIn(sa) ? ipv4ToString(sa.sin_addr) : undefined;
}

/** An IPv6 address, or the link-layer group (33:33:xx, RFC 2464) of an IPv6 multicast join. */
function isIpv6Sockaddr(sa: Sockaddr): boolean {
  if (sockaddrFamily(sa) === AF_INET6) return true;
  if (!isSockaddrDl(sa) || sa.sdl_alen !== 6) return false;
  const ll = LLADDR(sa);
  return ll[0] === 0x33 && ll[1] === 0x33;
}

function rtMsgObs(m: RoutingMessage, names: IfNames): RtMsgObs {
  const addrs: Record<string, string> = {};
  let ipv6 = false;
  if (m.kind !== "ifannounce") {
    for (const slot of RTAX_NAMES) {
      const sa = m.addrs[slot];
      if (sa === undefined) continue;
      addrs[slot] = saText(sa, names);
      // The ifma's own address decides for group messages; any IPv6 address for the others.
      if (isIpv6Sockaddr(sa) && (m.kind !== "ifma" || slot === "ifa")) ipv6 = true;
    }
  }
  // Keys in one order (observations are compared and written out as JSON); each kind fills in
  // its header's fields.
  const obs: RtMsgObs = {
    addrs,
    pid: 0,
    seq: 0,
    errno: 0,
    ipv6,
    text: formatRoutingMessage(m),
    type: "",
    ifname: "",
    flags: "",
  };
  switch (m.kind) {
    case "rt": {
      const h = m.hdr;
      obs.pid = h.rtm_pid;
      obs.seq = h.rtm_seq;
      obs.errno = h.rtm_errno;
      return withHeader(obs, h.rtm_type, ifname(names, h.rtm_index), formatRtFlags(h.rtm_flags));
    }
    case "ifa":
      return withHeader(
        obs,
        m.hdr.ifam_type,
        ifname(names, m.hdr.ifam_index),
        formatIfFlags(m.hdr.ifam_flags),
      );
    case "if":
      return withHeader(obs, m.hdr.ifm_type, ifname(names, m.hdr.ifm_index), formatIfFlags(m.hdr.ifm_flags));
    case "ifma":
      return withHeader(obs, m.hdr.ifmam_type, ifname(names, m.hdr.ifmam_index), "");
    case "ifannounce":
      return withHeader(
        obs,
        m.hdr.ifan_type,
        m.hdr.ifan_name,
        m.hdr.ifan_what === 0 ? "ARRIVAL" : "DEPARTURE",
      );
    default: {
      const never: never = m;
      throw new Error(`unhandled routing message ${JSON.stringify(never)}`);
    }
  }
}

function withHeader(obs: RtMsgObs, type: number, name: string, flags: string): RtMsgObs {
  obs.type = rtmTypeName(type);
  obs.ifname = name;
  obs.flags = flags;
  return obs;
}

function decodeState(
  decoded: NonNullable<DecodedResult["dumps"]>,
  uptime: number | undefined,
  names: IfNames,
  errors: string[],
): StateObs {
  const ifs: IfObs[] = [];
  const addrs: AddrObs[] = [];
  const p2p = new Set<string>();
  for (const m of dumpMessages(decoded.iflist, "iflist", errors)) {
    if (m.kind === "if") {
      const ifp = m.addrs.ifp;
      const name = ifname(names, m.hdr.ifm_index);
      if ((m.hdr.ifm_flags & IFF_POINTOPOINT) !== 0) p2p.add(name);
      ifs.push({
        ifname: name,
        index: m.hdr.ifm_index,
        flags: formatIfFlags(m.hdr.ifm_flags),
        lladdr: ifp !== undefined && isSockaddrDl(ifp) && ifp.sdl_alen > 0 ? formatLladdr(LLADDR(ifp)) : "",
      });
    } else if (m.kind === "ifa") {
      const ifa = m.addrs.ifa;
      if (ifa === undefined || !isSockaddrIn(ifa) || ifa.sin_family !== AF_INET) continue;
      const name = ifname(names, m.hdr.ifam_index);
      const mask = maskOf(m.addrs.netmask) ?? 0;
      const a: AddrObs = {
        ifname: name,
        addr: ipv4ToString(ifa.sin_addr),
        mask: ipv4ToString(mask),
        prefixlen: maskToPrefix(mask),
      };
      const brd = ipOf(m.addrs.brd);
      if (brd !== undefined) {
        if (p2p.has(name)) a.dstaddr = brd;
        else a.broadaddr = brd;
      }
      addrs.push(a);
    }
  }
  const routes: RouteObs[] = [];
  for (const m of dumpMessages(decoded.routes, "routes", errors)) {
    if (m.kind !== "rt" || m.addrs.dst === undefined || !isSockaddrIn(m.addrs.dst)) continue;
    const dst = ipv4ToString(m.addrs.dst.sin_addr);
    const mask = maskOf(m.addrs.netmask);
    const host = (m.hdr.rtm_flags & RTF_HOST) !== 0 || mask === null;
    const r: RouteObs = {
      dst: host ? dst : `${dst}/${maskToPrefix(mask ?? 0) ?? ipv4ToString(mask ?? 0)}`,
      gateway: m.addrs.gateway !== undefined ? saText(m.addrs.gateway, names) : "",
      flags: formatRtFlags(m.hdr.rtm_flags),
      ifname: ifname(names, m.hdr.rtm_index),
    };
    const ifa = ipOf(m.addrs.ifa);
    if (ifa !== undefined) r.ifa = ifa;
    routes.push(r);
  }
  const arp: ArpObs[] = [];
  for (const m of dumpMessages(decoded.arp, "arp", errors)) {
    if (m.kind !== "rt" || m.addrs.dst === undefined || !isSockaddrIn(m.addrs.dst)) continue;
    const gw = m.addrs.gateway;
    arp.push({
      addr: ipv4ToString(m.addrs.dst.sin_addr),
      lladdr:
        gw !== undefined && isSockaddrDl(gw) && gw.sdl_alen > 0 ? formatLladdr(LLADDR(gw)) : "incomplete",
      ifname: ifname(names, m.hdr.rtm_index),
      flags: formatRtFlags(m.hdr.rtm_flags),
      expire: u64Json(m.hdr.rtm_rmx.rmx_expire),
    });
  }
  const groups: GroupObs[] = [];
  for (const m of dumpMessages(decoded.ifmalist, "ifmalist", errors)) {
    if (m.kind !== "ifma") continue;
    const g = ipOf(m.addrs.ifa);
    // 10.4 rtsock.c sysctl_ifmalist: a non-AF_LINK membership carries its ifma_lladdr as
    // RTAX_GATEWAY, the link-layer group the NIC's filter joined for it.
    const ll = m.addrs.gateway;
    const lladdr = ll !== undefined && isSockaddrDl(ll) && ll.sdl_alen > 0 ? formatLladdr(LLADDR(ll)) : "";
    if (g !== undefined) groups.push({ ifname: ifname(names, m.hdr.ifmam_index), group: g, lladdr });
  }
  const state: StateObs = { ifs, addrs, routes, arp, groups };
  if (uptime !== undefined) state.uptime = uptime;
  return state;
}
