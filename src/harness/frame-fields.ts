// The fields a decoded frame has (src/wire/json.ts frameToJson), by "layer.field" path, with the
// kind of value each holds, so `frames.where` compares by meaning: numbers whatever the notation
// (2054 = "0x0806"), MACs and IPv4 addresses canonicalised. A path not listed here is a mistake
// in the program, not a frame that does not match. Routing message slots compare the same way.

import { parseIpv4 } from "../abi/in.ts";
import { macToString, parseMac } from "../wire/addr.ts";
import type { JsonValue } from "../wire/json.ts";

export type FieldKind = "number" | "mac" | "ipv4" | "boolean" | "hex" | "text";

/** Layer → field → kind; list-valued fields (IGMPv3 sources and records) are left out. */
export const FRAME_FIELDS: Readonly<Record<string, Readonly<Record<string, FieldKind>>>> = {
  ethernet: { dst: "mac", src: "mac", ethertype: "number" },
  arp: {
    hardwareType: "number",
    protocolType: "number",
    operation: "number",
    senderMac: "mac",
    senderIp: "ipv4",
    targetMac: "mac",
    targetIp: "ipv4",
  },
  ipv4: {
    tos: "number",
    ident: "number",
    reservedFlag: "boolean",
    dontFragment: "boolean",
    moreFragments: "boolean",
    fragmentOffset: "number",
    ttl: "number",
    protocol: "number",
    checksum: "number",
    src: "ipv4",
    dst: "ipv4",
    options: "hex",
    checksumOk: "boolean",
    payloadLength: "number",
  },
  icmp: {
    kind: "text",
    type: "number",
    code: "number",
    checksum: "number",
    id: "number",
    seq: "number",
    data: "hex",
    rest: "hex",
    checksumOk: "boolean",
  },
  igmp: {
    kind: "text",
    type: "number",
    code: "number",
    maxRespCode: "number",
    checksum: "number",
    group: "ipv4",
    reserved: "number",
    reserved1: "number",
    reserved2: "number",
    suppressRouterProcessing: "boolean",
    qrv: "number",
    qqic: "number",
    rest: "hex",
    checksumOk: "boolean",
  },
  udp: {
    srcPort: "number",
    dstPort: "number",
    checksum: "number",
    payload: "hex",
    checksumStatus: "text",
  },
  payload: { what: "text", bytes: "hex" },
  trailer: { after: "text", bytes: "hex" },
  error: { error: "text", bytes: "hex" },
};

export const FRAME_FIELD_PATHS: readonly string[] = Object.entries(FRAME_FIELDS).flatMap(([layer, fields]) =>
  Object.keys(fields).map((f) => `${layer}.${f}`),
);

/** The kind of a "layer.field" path, or undefined for a path no decoded frame has. */
export function fieldKind(path: string): FieldKind | undefined {
  const dot = path.indexOf(".");
  if (dot < 0) return undefined;
  const fields = FRAME_FIELDS[path.slice(0, dot)] as Readonly<Record<string, FieldKind>> | undefined;
  const f = path.slice(dot + 1);
  return fields !== undefined && Object.hasOwn(fields, f) ? fields[f] : undefined;
}

type Scalar = string | number | boolean;

/** 2054, "2054" and "0x0806" are one number; anything else is not a number. */
function asNumber(v: JsonValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  if (/^0x[0-9a-f]+$/i.test(v)) return parseInt(v.slice(2), 16);
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

function asHex(v: JsonValue | undefined): string | undefined {
  if (typeof v !== "string") return undefined;
  const h = v.toLowerCase().replace(/^0x/, "");
  return /^(?:[0-9a-f]{2})*$/.test(h) ? h : undefined;
}

/** The value in one canonical form per kind (a MAC as lowercase colon pairs, an address as
 * its number), or undefined when it is not a value of that kind. */
function canonical(kind: FieldKind, v: JsonValue | undefined): Scalar | undefined {
  switch (kind) {
    case "number":
      return asNumber(v);
    case "mac": {
      if (typeof v !== "string") return undefined;
      const m = parseMac(v);
      return m instanceof Uint8Array ? macToString(m) : undefined;
    }
    case "ipv4":
      return typeof v === "string" ? (parseIpv4(v) ?? undefined) : undefined;
    case "boolean":
      return typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : undefined;
    case "hex":
      return asHex(v);
    case "text":
      return typeof v === "string" ? v : undefined;
  }
}

const EXAMPLES: Record<FieldKind, string> = {
  number: "a number (2054 or 0x0806)",
  mac: "a MAC like 02:00:00:00:00:01",
  ipv4: "a dotted quad like 10.0.0.1",
  boolean: "true or false",
  hex: 'hex bytes like "0a00"',
  text: "a string",
};

/** Why `want` can never equal a value of `kind` (a message), or undefined when it can. */
export function wantProblem(kind: FieldKind, want: Scalar): string | undefined {
  return canonical(kind, want) === undefined
    ? `expected ${EXAMPLES[kind]}, got ${JSON.stringify(want)}`
    : undefined;
}

/** A decoded value against an expected one, by the field's kind. */
export function fieldEquals(kind: FieldKind, got: JsonValue | undefined, want: Scalar): boolean {
  const g = canonical(kind, got);
  return g !== undefined && g === canonical(kind, want);
}

/** Address text as the decoder writes it (a routing message slot) against an expected one:
 * an IPv4 address or a MAC compares canonically ("02:00:00:00:00:0A" = "02:00:00:00:00:0a"),
 * anything else ("link#vtnet1") as written. */
export function sameAddressText(got: string | undefined, want: string): boolean {
  if (got === undefined) return false;
  for (const kind of ["ipv4", "mac"] as const) {
    const w = canonical(kind, want);
    if (w !== undefined) return canonical(kind, got) === w;
  }
  return got === want;
}
