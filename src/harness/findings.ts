// Findings: what a run reports. An expectation that failed on one backend, or a difference
// between two backends' observations. Every finding names the scenario step, says what
// differs and carries both values, as text and as data.

import { isDeepStrictEqual } from "node:util";
import { errnoName } from "../abi/errno.ts";
import { rtmTypeName } from "../abi/route_defs.ts";
import { ioctlName } from "../abi/sockio.ts";
import type { FrameObs, RtMsgObs, StateTable } from "./observation.ts";
import type { Op } from "./ops.ts";

interface FindingBase {
  /** Program step index; null for set-up ops and the final checkpoint. */
  step: number | null;
  /** Index into the lowered ops. */
  opIndex: number;
  /** Where, for people and for divergence matching: "step 3 routes 10.0.0.0/24". */
  path: string;
  /** One line: what differs. */
  message: string;
}

export type Finding =
  | (FindingBase & {
      kind: "expect";
      check:
        "errno" | "routes" | "arp" | "addrs" | "groups" | "frames" | "rtsock" | "data" | "sysctls" | "panic";
      expected: string;
      actual: string;
    })
  | (FindingBase & { kind: "errno"; a: number; b: number })
  /** One side's kernel panicked on this op (its message), the other's went on (null). */
  | (FindingBase & { kind: "panic"; a: string | null; b: string | null })
  | (FindingBase & { kind: "data"; a: string | null; b: string | null })
  | (FindingBase & { kind: "rtsock"; index: number; a: RtMsgObs | null; b: RtMsgObs | null })
  | (FindingBase & { kind: "frame"; index: number; a: FrameObs | null; b: FrameObs | null })
  | (FindingBase & {
      kind: "state";
      table: StateTable;
      key: string;
      a: Record<string, unknown> | null;
      b: Record<string, unknown> | null;
    });

export function stepLabel(step: number | null, opIndex: number): string {
  return step === null ? `op ${opIndex}` : `step ${step}`;
}

/** What a catalogue entry matches a finding on (docs/formats.md, "Divergence catalogue"). */
export interface FindingKey {
  kind: Finding["kind"];
  step: number | null;
  /** The op the finding comes from: "ioctl SIOCAIFADDR", "sysctl net.inet.ip.forwarding",
   * "rtsock_write RTM_ADD", "checkpoint". */
  op: string;
  /** The observation: the op (errno, data), the message type (rtsock), the row (state), the
   * interface and protocol layers (frame), the check and its subject (expect). */
  key: string;
  /** What differs: "errno"; byte offsets ("bytes 17,20-23"); field names ("flags,addrs.netmask");
   * "only-a" / "only-b" when one side has no such message, frame or row. */
  field: string;
  /** Each side's value of the differing field(s) as text ("f=v f2=v2" for several); for a
   * message, frame or row on one side only, the whole record as "f=v ..." text, and "absent"
   * on the side without it. */
  a: string;
  b: string;
}

const ABSENT = "absent";

export function opKey(op: Op): string {
  switch (op.op) {
    case "ioctl":
      return `ioctl ${ioctlName(op.cmd)}`;
    case "sysctl":
      return `sysctl ${op.name}`;
    case "rtsock_write":
      // rt_msghdr: rtm_msglen (2 bytes), rtm_version, rtm_type.
      return `rtsock_write ${op.msg.length >= 8 ? rtmTypeName(parseInt(op.msg.slice(6, 8), 16)) : "(short)"}`;
    default:
      return op.op;
  }
}

/** Differing byte offsets as ranges: "bytes 17,20-23". */
function byteRanges(a: string, b: string): string {
  const ranges: [number, number][] = [];
  for (let i = 0; i < a.length / 2; i++) {
    if (a.slice(2 * i, 2 * i + 2) === b.slice(2 * i, 2 * i + 2)) continue;
    const last = ranges.at(-1);
    if (last !== undefined && last[1] === i - 1) last[1] = i;
    else ranges.push([i, i]);
  }
  return "bytes " + ranges.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(",");
}

/** A record flattened to dotted leaf paths ("addrs.netmask", "layers.1.ident"). */
function leaves(v: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) leaves(x, prefix === "" ? k : `${prefix}.${k}`, out);
  } else {
    out.set(prefix, v);
  }
  return out;
}

/** A value's defined leaves as "name=value" text, in order. */
function leafText(l: Map<string, unknown>, names: readonly string[]): string {
  return names
    .filter((k) => l.get(k) !== undefined)
    .map((k) => `${k}=${String(l.get(k))}`)
    .join(" ");
}

/** The differing leaves of two present values, and each side's values as text. */
function fieldDiff(a: object, b: object): Pick<FindingKey, "field" | "a" | "b"> {
  const [la, lb] = [leaves(a, "", new Map()), leaves(b, "", new Map())];
  const names = [...new Set([...la.keys(), ...lb.keys()])].filter(
    (k) => !isDeepStrictEqual(la.get(k), lb.get(k)),
  );
  const text = (l: Map<string, unknown>): string =>
    names.length === 1
      ? String(l.get(names[0]) ?? ABSENT)
      : names.map((k) => `${k}=${String(l.get(k) ?? ABSENT)}`).join(" ");
  return { field: names.join(","), a: text(la), b: text(lb) };
}

/** Present on one side only: that side's value is the whole record as text, so an entry can
 * say which message, frame or row it means ("*ifa=(af 0 len 0)*"). */
function presence<T>(
  a: T | null,
  b: T | null,
  present: (v: T) => object,
): Pick<FindingKey, "field" | "a" | "b"> {
  const whole = (v: T): string => {
    const l = leaves(present(v), "", new Map());
    return leafText(l, [...l.keys()]);
  };
  if (a === null) return { field: "only-b", a: ABSENT, b: b === null ? ABSENT : whole(b) };
  if (b === null) return { field: "only-a", a: whole(a), b: ABSENT };
  return fieldDiff(present(a), present(b));
}

/** The protocol layers of a frame: "ethernet/ipv4/icmp". */
function layerNames(f: FrameObs): string {
  return f.json.layers.map((l) => String(l.layer)).join("/");
}

/** Frame JSON with each layer's fields named by the layer ("arp.senderIp", a repeated layer
 * as "ipv4#2.ttl"), not by its index, so a field keeps its name when a layer is added. */
function frameFields(f: FrameObs): object {
  const seen = new Map<string, number>();
  const named = f.json.layers.map((l) => {
    const n = (seen.get(String(l.layer)) ?? 0) + 1;
    seen.set(String(l.layer), n);
    return [n === 1 ? String(l.layer) : `${String(l.layer)}#${n}`, { ...l, layer: undefined }];
  });
  return {
    ifname: f.ifname,
    time: f.time,
    length: f.json.length,
    layers: layerNames(f),
    ...Object.fromEntries(named),
  };
}

/** The key a catalogue entry is matched on; `op` is the lowered op the finding comes from. */
export function findingKey(f: Finding, op: Op): FindingKey {
  const base = { kind: f.kind, step: f.step, op: opKey(op) };
  switch (f.kind) {
    case "expect":
      return {
        ...base,
        key: f.path.replace(/^step \d+ /, ""),
        field: f.check,
        a: f.expected,
        b: f.actual,
      };
    case "errno":
      return { ...base, key: base.op, field: "errno", a: errnoName(f.a), b: errnoName(f.b) };
    case "panic":
      return {
        ...base,
        key: base.op,
        field: f.a !== null ? "only-a" : "only-b",
        a: f.a ?? ABSENT,
        b: f.b ?? ABSENT,
      };
    case "data": {
      const [a, b] = [f.a ?? ABSENT, f.b ?? ABSENT];
      const field =
        f.a === null
          ? "only-b"
          : f.b === null
            ? "only-a"
            : f.a.length !== f.b.length
              ? "length"
              : byteRanges(f.a, f.b);
      return { ...base, key: base.op, field, a, b };
    }
    case "rtsock":
      return {
        ...base,
        key: (f.a ?? f.b)?.type ?? "?",
        // The fields in `route monitor` order; `text` repeats them with raw indices.
        ...presence(f.a, f.b, (m) => ({
          type: m.type,
          ifname: m.ifname,
          flags: m.flags,
          addrs: m.addrs,
          errno: m.errno,
          pid: m.pid,
          seq: m.seq,
          ipv6: m.ipv6,
        })),
      };
    case "frame": {
      const fr = f.a ?? f.b;
      const key = fr === null ? "?" : `${fr.ifname} ${layerNames(fr)}`;
      return { ...base, key, ...presence(f.a, f.b, frameFields) };
    }
    case "state":
      return { ...base, key: `${f.table} ${f.key}`, ...presence(f.a, f.b, (r) => r) };
    default: {
      const never: never = f;
      throw new Error(`unhandled finding ${JSON.stringify(never)}`);
    }
  }
}
