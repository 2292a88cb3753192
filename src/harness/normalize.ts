// Normalization by named rules. Each rule removes one kind of difference that says nothing
// about behaviour (a pid, a clock reading); reports list every rule and how many values it
// changed, so nothing is hidden.

import type { JsonObject } from "../wire/json.ts";
import type { Observations, OpObs, StateObs } from "./observation.ts";

export interface NormalizeContext {
  /** Interfaces the program uses (its nics plus any it creates); lo0 is always kept. */
  interfaces: ReadonlySet<string>;
}

export interface NormalizationRule {
  name: string;
  description: string;
  /** Rewrites `obs` in place; returns how many values it changed. */
  apply(obs: Observations, ctx: NormalizeContext): number;
}

function eachState(obs: Observations, fn: (s: StateObs, op: OpObs) => number): number {
  return obs.ops.reduce((n, op) => n + (op.state !== undefined ? fn(op.state, op) : 0), 0);
}

const rtmPid: NormalizationRule = {
  name: "rtm-pid",
  description:
    "rtm_pid of routing messages set to 0: it is the writing process's pid, different on every run",
  apply: (obs) =>
    obs.ops.reduce(
      (n, op) =>
        n +
        op.rtsock.filter((m) => {
          const changed = m.pid !== 0;
          m.pid = 0;
          return changed;
        }).length,
      0,
    ),
};

const rtmSeq: NormalizationRule = {
  name: "rtm-seq",
  description: "rtm_seq of routing messages set to 0: the writer's own counter",
  apply: (obs) =>
    obs.ops.reduce(
      (n, op) =>
        n +
        op.rtsock.filter((m) => {
          const changed = m.seq !== 0;
          m.seq = 0;
          return changed;
        }).length,
      0,
    ),
};

const ifindexAsName: NormalizationRule = {
  name: "ifindex-as-name",
  description:
    "interface indices dropped (set to 0) after decoding named every index: a VM's management NIC shifts them",
  apply: (obs) =>
    eachState(
      obs,
      (s) =>
        s.ifs.filter((i) => {
          const changed = i.index !== 0;
          i.index = 0;
          return changed;
        }).length,
    ),
};

const foreignInterfaces: NormalizationRule = {
  name: "foreign-interfaces",
  description:
    "interfaces the program does not use (a VM's management NIC) are dropped with their addresses, routes, ARP entries, groups, routing messages and frames",
  apply: (obs, ctx) => {
    // Index 0 names no interface (an echoed message that did not name one, e.g. arp -s's
    // RTF_LLDATA RTM_ADD): nothing foreign about it.
    const keep = (ifname: string): boolean =>
      ifname === "lo0" || ifname === "if#0" || ctx.interfaces.has(ifname);
    let n = 0;
    const filter = <T extends { ifname: string }>(xs: T[]): T[] => {
      const kept = xs.filter((x) => keep(x.ifname));
      n += xs.length - kept.length;
      return kept;
    };
    for (const op of obs.ops) {
      op.rtsock = filter(op.rtsock);
      op.frames = filter(op.frames);
      const s = op.state;
      if (s === undefined) continue;
      s.ifs = filter(s.ifs);
      s.addrs = filter(s.addrs);
      s.routes = filter(s.routes);
      s.arp = filter(s.arp);
      s.groups = filter(s.groups);
    }
    return n;
  },
};

/** Seconds remaining, rounded to this many seconds: a VM's clock moves while it is dumped. */
export const EXPIRE_GRANULARITY = 10;

const lleExpireRelative: NormalizationRule = {
  name: "lle-expire-relative",
  description: `ARP expiry times made relative to the checkpoint's time_uptime and rounded to ${EXPIRE_GRANULARITY}s ("permanent" for 0; "expiring" when the backend gave no uptime); the exact seconds left stay beside the table for expectations`,
  apply: (obs) =>
    eachState(
      obs,
      (s) =>
        s.arp.filter((e) => {
          if (typeof e.expire !== "number") return false;
          if (e.expire === 0) e.expire = "permanent";
          else if (s.uptime === undefined) e.expire = "expiring";
          else {
            const left = e.expire - s.uptime;
            (s.arpSecondsLeft ??= {})[`${e.addr} ${e.ifname}`] = left;
            e.expire = `${Math.round(left / EXPIRE_GRANULARITY) * EXPIRE_GRANULARITY}s`;
          }
          return true;
        }).length,
    ),
};

const checkpointUptime: NormalizationRule = {
  name: "checkpoint-uptime",
  description: "the checkpoint's time_uptime dropped after use: the VM booted at another time than the twin",
  apply: (obs) =>
    eachState(obs, (s) => {
      const had = s.uptime !== undefined;
      delete s.uptime;
      return had ? 1 : 0;
    }),
};

const frameTime: NormalizationRule = {
  name: "frame-time",
  description:
    "frame timestamps dropped (order and the op that caused them are kept): wall clock against virtual clock",
  apply: (obs) =>
    obs.ops.reduce(
      (n, op) =>
        n +
        op.frames.filter((f) => {
          const had = f.time !== null;
          f.time = null;
          return had;
        }).length,
      0,
    ),
};

const ipv4Ident: NormalizationRule = {
  name: "ipv4-id",
  description:
    "the IPv4 identification field and the header checksum that covers it set to 0 in decoded frames: ip_id counts every packet the host sent before",
  apply: (obs) =>
    obs.ops.reduce(
      (n, op) =>
        n +
        op.frames.filter((f) => {
          const ip = f.json.layers.find((l: JsonObject) => l.layer === "ipv4");
          if (ip === undefined) return false;
          ip.ident = 0;
          ip.checksum = 0;
          return true;
        }).length,
      0,
    ),
};

const ipv6OutOfScope: NormalizationRule = {
  name: "ipv6-out-of-scope",
  description:
    "IPv6 routing messages (AF_INET6 addresses, 33:33 groups) and IPv6 frames dropped: the twin models IPv4 only, and a FreeBSD NIC with IPv6 on announces fe80:: addresses and sends DAD and MLD",
  apply: (obs) => {
    let n = 0;
    for (const op of obs.ops) {
      const rtsock = op.rtsock.filter((m) => !m.ipv6);
      const frames = op.frames.filter(
        (f) => f.json.layers.find((l) => l.layer === "ethernet")?.ethertype !== "0x86dd",
      );
      n += op.rtsock.length - rtsock.length + op.frames.length - frames.length;
      op.rtsock = rtsock;
      op.frames = frames;
    }
    return n;
  },
};

/** 10.4 if_epair.c:712 leaves bytes 1-2 of a generated epair MAC uninitialised (stack contents):
 * measured ff:40/ff:80 on most boots of both kernels, 00:80 on others. */
const EPAIR_GENERATED_MAC = /^02:[0-9a-f]{2}:[0-9a-f]{2}:(00:[0-9a-f]{2}:0[ab])$/;

const epairStackBytes: NormalizationRule = {
  name: "epair-stack-bytes",
  description:
    "bytes 1-2 of an epair interface's generated MAC in the interface table replaced by ??: 10.4 if_epair.c leaves them as whatever its stack held, which differs between boots",
  apply: (obs) =>
    eachState(
      obs,
      (s) =>
        s.ifs.filter((i) => {
          const m = /^epair\d+[ab]$/.test(i.ifname) ? EPAIR_GENERATED_MAC.exec(i.lladdr) : null;
          if (m === null) return false;
          i.lladdr = `02:??:??:${m[1]}`;
          return true;
        }).length,
    ),
};

/** Every rule, in the order applied (relative expiry needs the uptime before it is dropped). */
export const NORMALIZATION_RULES: readonly NormalizationRule[] = [
  rtmPid,
  rtmSeq,
  foreignInterfaces,
  ipv6OutOfScope,
  ifindexAsName,
  lleExpireRelative,
  checkpointUptime,
  frameTime,
  ipv4Ident,
  epairStackBytes,
];

export interface NormalizeResult {
  obs: Observations;
  /** Rule name → values changed. */
  applied: Record<string, number>;
}

/** A normalized copy of `obs`; the input is left alone. */
export function normalize(
  obs: Observations,
  ctx: NormalizeContext,
  rules: readonly NormalizationRule[] = NORMALIZATION_RULES,
): NormalizeResult {
  return normalizeInPlace(structuredClone(obs), ctx, rules);
}

/**
 * Normalizes `obs` itself, for a caller that made it and keeps no other use of it (the runner,
 * straight after decodeTrace): no copy. The rules rewrite only what decoding made — messages,
 * frames, state — never an op or the provenance, which decodeTrace shares with the trace.
 */
export function normalizeInPlace(
  obs: Observations,
  ctx: NormalizeContext,
  rules: readonly NormalizationRule[] = NORMALIZATION_RULES,
): NormalizeResult {
  const applied: Record<string, number> = {};
  for (const r of rules) applied[r.name] = r.apply(obs, ctx);
  return { obs, applied };
}
