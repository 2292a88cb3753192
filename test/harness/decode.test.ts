import { describe, expect, it } from "vitest";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { decodeTrace, maskOf } from "../../src/harness/decode.ts";
import { lower } from "../../src/harness/lower.ts";
import { traceCaptures } from "../../src/harness/pcaps.ts";
import { toHex, TRACE_FORMAT, type RawTrace } from "../../src/harness/ops.ts";
import { encodeRoutingMessage, newRoutingMessage, RTM_NEWADDR, RTM_NEWMADDR } from "../../src/abi/route.ts";
import { sockaddrDl, sockaddrIn } from "../../src/abi/socket.ts";
import { allScenarios } from "../../suites/index.ts";

/** A hand-made trace of `ops` and their `results`, as `backend` would record it. */
function traceOf(
  program: string,
  backend: string,
  ops: RawTrace["ops"],
  results: RawTrace["results"],
  release = "twin",
): RawTrace {
  return {
    format: TRACE_FORMAT,
    program,
    backend,
    provenance: { release, uname: "test", date: "2026-01-01" },
    ops,
    results,
  };
}

describe("decoding traces", () => {
  it("reads radix-style netmasks: trimmed, with family 0 or 255", () => {
    // sa_len 6, family 255, port bytes ff ff, then 255.255 (the rest trimmed).
    expect(maskOf({ sa_len: 6, sa_family: 255, sa_data: new Uint8Array([0xff, 0xff, 0xff, 0xff]) })).toBe(
      0xffff0000,
    );
    expect(maskOf({ sa_len: 7, sa_family: 0, sa_data: new Uint8Array([0, 0, 0xff, 0xff, 0xff]) })).toBe(
      0xffffff00,
    );
    expect(maskOf({ sin_len: 16, sin_family: 2, sin_port: 0, sin_addr: 0xff000000 })).toBe(0xff000000);
    expect(maskOf(undefined)).toBeNull();
  });

  it("a twin trace decodes to named interfaces, routes with prefixes, messages and frames", async () => {
    const p = allScenarios().find((x) => x.id === "addr/add-basic");
    if (p === undefined) throw new Error("addr/add-basic missing");
    const obs = decodeTrace(await createTwinBackend().run(lower(p), p), p);
    expect(obs.ops.every((o) => o.decodeErrors.length === 0)).toBe(true);
    const add = obs.ops.find((o) => o.origin.role === "step" && o.origin.step === 1);
    expect(add?.rtsock.map((m) => m.type)).toContain("RTM_NEWADDR");
    expect(add?.rtsock.every((m) => !m.ifname.startsWith("if#") || m.ifname === "if#0")).toBe(true);
    expect(add?.rtsock.some((m) => m.ipv6)).toBe(false);
    expect(add?.frames[0].summary).toMatch(/ARP who-has 10\.0\.0\.1 tell 10\.0\.0\.1/);
    const end = obs.ops.at(-1)?.state;
    expect(end?.routes.find((r) => r.dst === "10.0.0.0/24")).toMatchObject({
      ifname: "vtnet1",
      gateway: "link#vtnet1",
    });
    expect(end?.addrs.find((a) => a.ifname === "vtnet1")).toMatchObject({
      addr: "10.0.0.1",
      prefixlen: 24,
      broadaddr: "10.0.0.255",
    });
    // The twin boots the guests' NICs (src/backends/twin-kernel.ts GUEST_DEVICES).
    expect(end?.ifs.map((i) => i.ifname).sort()).toEqual(["em0", "lo0", "vtnet0", "vtnet1", "vtnet2"]);
    // All-hosts with the link-layer group it maps to (RFC 1112 6.4: 01:00:5e + the low 23 bits).
    expect(end?.groups).toContainEqual({ ifname: "vtnet1", group: "224.0.0.1", lladdr: "01:00:5e:00:00:01" });
  });

  it("bytes that do not decode become decode errors of their op, and the rest still decodes", () => {
    const trace = traceOf(
      "t/garbage",
      "twin",
      [{ op: "checkpoint", label: "end" }],
      [
        {
          errno: 0,
          rtsock: ["0400"],
          frames: [],
          dumps: { routes: "0500", arp: "", iflist: "", ifmalist: "" },
        },
      ],
    );
    const [op] = decodeTrace(trace).ops;
    expect(op.decodeErrors).toHaveLength(2);
    expect(op.decodeErrors[0]).toMatch(/^routing message 0400…: /);
    expect(op.decodeErrors[1]).toMatch(/^routes dump: /);
    expect(op.rtsock).toEqual([]);
    expect(op.state).toMatchObject({ routes: [], arp: [], ifs: [], addrs: [], groups: [] });
  });

  it("tun frames are raw IP: not decoded as Ethernet and left out of pcaps", () => {
    const trace = traceOf(
      "t/tun",
      "twin",
      [{ op: "nic", name: "tun0", driver: "tun" }],
      [{ errno: 0, rtsock: [], frames: [{ ifname: "tun0", time: 0, frame: "4500001c" }] }],
    );
    const f = decodeTrace(trace).ops[0].frames[0];
    expect(f.summary).toBe("raw IP, length 4");
    expect(f.json.layers).toEqual([
      { layer: "payload", what: "raw IP (tun, not decoded)", bytes: "4500001c" },
    ]);
    expect(traceCaptures(trace)).toEqual([]);
  });

  it("marks IPv6 routing messages: AF_INET6 addresses and 33:33 groups, not IPv4 groups", () => {
    const v6 = { sa_len: 28, sa_family: 28, sa_data: new Uint8Array(26) };
    const msgs = [
      newRoutingMessage(RTM_NEWADDR, { ifa: v6 }),
      newRoutingMessage(RTM_NEWMADDR, {
        ifa: sockaddrDl({ index: 2, type: 6, lladdr: new Uint8Array([0x33, 0x33, 0, 0, 0, 1]) }),
      }),
      newRoutingMessage(RTM_NEWMADDR, {
        gateway: sockaddrDl({ index: 2, type: 6, lladdr: new Uint8Array([1, 0, 0x5e, 0, 0, 1]) }),
        ifa: sockaddrIn(0xe0000001),
      }),
    ];
    const trace = traceOf(
      "t/v6",
      "freebsd",
      [{ op: "sleep", seconds: 0 }],
      [{ errno: 0, rtsock: msgs.map((m) => toHex(encodeRoutingMessage(m))), frames: [] }],
      "x",
    );
    expect(decodeTrace(trace).ops[0].rtsock.map((m) => m.ipv6)).toEqual([true, true, false]);
  });
});
