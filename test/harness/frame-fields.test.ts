import { describe, expect, it } from "vitest";
import { fieldEquals, fieldKind, FRAME_FIELDS, wantProblem } from "../../src/harness/frame-fields.ts";
import { mac } from "../../src/wire/addr.ts";
import {
  arpReply,
  arpRequest,
  gratuitousArp,
  icmpEchoReply,
  icmpEchoRequest,
  igmpLeave,
  igmpQuery,
  igmpReport,
  igmpV3Report,
  udpDatagram,
} from "../../src/wire/builders.ts";
import { frameToJson, type JsonValue } from "../../src/wire/json.ts";

const a = mac("02:00:00:00:00:01");
const b = mac("02:00:00:00:00:02");
const [ipA, ipB, group] = [0x0a000001, 0x0a000002, 0xe0000001];

/** Frames of every kind the builders make, plus a padded one (trailer) and a cut one (error). */
const FRAMES: Uint8Array[] = [
  arpRequest({ srcMac: a, srcIp: ipA, targetIp: ipB }),
  arpReply({ srcMac: a, srcIp: ipA, dstMac: b, dstIp: ipB }),
  gratuitousArp({ srcMac: a, ip: ipA, padTo: 60 }),
  icmpEchoRequest({ srcMac: a, dstMac: b, srcIp: ipA, dstIp: ipB, id: 1, seq: 2 }),
  icmpEchoReply({ srcMac: a, dstMac: b, srcIp: ipA, dstIp: ipB, id: 1, seq: 2 }),
  igmpReport({ srcMac: a, srcIp: ipA, group, version: 2 }),
  igmpLeave({ srcMac: a, srcIp: ipA, group }),
  igmpQuery({ srcMac: a, srcIp: ipA, version: 3 }),
  igmpV3Report({ srcMac: a, srcIp: ipA, records: [] }),
  udpDatagram({
    srcMac: a,
    dstMac: b,
    srcIp: ipA,
    dstIp: ipB,
    srcPort: 1,
    dstPort: 2,
    payload: new Uint8Array(2),
  }),
  new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]),
];

/** Whether a decoded value has the shape the table says its kind has. */
function looksLike(kind: string, v: JsonValue): boolean {
  switch (kind) {
    case "number":
      return typeof v === "number" || v === null || (typeof v === "string" && /^0x[0-9a-f]+$/.test(v));
    case "boolean":
      return typeof v === "boolean";
    case "mac":
      return typeof v === "string" && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(v);
    case "ipv4":
      return typeof v === "string" && /^\d+\.\d+\.\d+\.\d+$/.test(v);
    case "hex":
      return typeof v === "string" && /^([0-9a-f]{2})*$/.test(v);
    default:
      return typeof v === "string";
  }
}

describe("frame fields", () => {
  it("lists every scalar field the decoder produces, with the right kind", () => {
    const seen = new Set<string>();
    for (const bytes of FRAMES) {
      for (const layer of frameToJson(bytes).layers) {
        for (const [k, v] of Object.entries(layer)) {
          if (k === "layer" || Array.isArray(v)) continue;
          const path = `${String(layer.layer)}.${k}`;
          const kind = fieldKind(path);
          expect(kind, path).toBeDefined();
          expect(looksLike(kind ?? "", v), `${path} = ${JSON.stringify(v)}`).toBe(true);
          seen.add(String(layer.layer));
        }
      }
    }
    expect([...seen].sort()).toEqual(
      ["arp", "error", "ethernet", "icmp", "igmp", "ipv4", "trailer", "udp"].filter((l) => l in FRAME_FIELDS),
    );
  });

  it("compares by kind and rejects values a kind can never hold", () => {
    expect(fieldEquals("number", "0x0806", 2054)).toBe(true);
    expect(fieldEquals("number", null, 0)).toBe(false);
    expect(fieldEquals("mac", "ff:ff:ff:ff:ff:ff", "FF-FF-FF-FF-FF-FF")).toBe(true);
    expect(fieldEquals("ipv4", "10.0.0.1", "10.0.0.01")).toBe(true);
    expect(fieldEquals("boolean", true, "true")).toBe(true);
    expect(fieldEquals("hex", "0a00", "0x0A00")).toBe(true);
    expect(wantProblem("number", "ten")).toMatch(/expected a number/);
    expect(wantProblem("ipv4", "10.0.0.256")).toMatch(/expected a dotted quad/);
    expect(wantProblem("text", "echo-request")).toBeUndefined();
  });
});
