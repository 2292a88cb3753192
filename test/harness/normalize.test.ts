import { describe, expect, it } from "vitest";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { decodeTrace } from "../../src/harness/decode.ts";
import { lower } from "../../src/harness/lower.ts";
import {
  EXPIRE_GRANULARITY,
  NORMALIZATION_RULES,
  normalize,
  normalizeInPlace,
} from "../../src/harness/normalize.ts";
import { allScenarios } from "../../suites/index.ts";
import { programInterfaces } from "../../src/harness/runner.ts";
import { scenario } from "../../src/harness/scenario.ts";
import { arpReplyFrame, observations, rtmsg, state } from "./fakes.ts";

const ctx = { interfaces: new Set(["vtnet1"]) };

describe("normalization", () => {
  it("every rule has a unique name and a description", () => {
    const names = NORMALIZATION_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(NORMALIZATION_RULES.every((r) => r.description.length > 20)).toBe(true);
  });

  it("zeroes pids and sequence numbers and counts the values it changed", () => {
    const obs = observations({
      op: { rtsock: [rtmsg("RTM_ADD", {}, { pid: 1234, seq: 7 }), rtmsg("RTM_NEWADDR")] },
    });
    const { obs: n, applied } = normalize(obs, ctx);
    expect(n.ops[0].rtsock.map((m) => [m.pid, m.seq])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(applied["rtm-pid"]).toBe(1);
    expect(applied["rtm-seq"]).toBe(1);
    // The input is left alone.
    expect(obs.ops[0].rtsock[0].pid).toBe(1234);
  });

  it("in place on a fresh decode: the same result as the copying form, and the trace untouched", async () => {
    // A scenario whose normalization changes things: a foreign NIC (em0), pids, frame times.
    const p = allScenarios().find((x) => x.id === "addr/add-basic");
    if (p === undefined) throw new Error("addr/add-basic missing");
    const trace = await createTwinBackend().run(lower(p), p);
    const before = JSON.stringify(trace);
    const pctx = { interfaces: programInterfaces(p) };
    const copied = normalize(decodeTrace(trace, p), pctx);
    const inPlace = normalizeInPlace(decodeTrace(trace, p), pctx);
    expect(inPlace).toEqual(copied);
    expect(Object.values(inPlace.applied).some((n) => n > 0)).toBe(true);
    expect(JSON.stringify(trace)).toBe(before);
  });

  it("masks the uninitialised bytes of a generated epair MAC, and nothing else", () => {
    const s = state();
    // both seen on real 10.4 guests for the same epair0b (if_epair.c:712 leaves eaddr[1..2] unset)
    s.ifs.push({ ifname: "epair0b", index: 7, flags: "RUNNING", lladdr: "02:00:80:00:07:0b" });
    s.ifs.push({ ifname: "epair0a", index: 6, flags: "RUNNING", lladdr: "02:00:00:00:00:01" });
    s.ifs.push({ ifname: "vtnet2", index: 4, flags: "UP", lladdr: "02:ff:80:00:07:0b" });
    const obs = observations({ state: s });
    const { obs: n, applied } = normalize(obs, {
      interfaces: new Set(["vtnet1", "vtnet2", "epair0a", "epair0b"]),
    });
    const lladdr = (name: string) => n.ops[1].state?.ifs.find((i) => i.ifname === name)?.lladdr;
    expect(lladdr("epair0b")).toBe("02:??:??:00:07:0b");
    expect(lladdr("epair0a")).toBe("02:00:00:00:00:01"); // a MAC the scenario set
    expect(lladdr("vtnet2")).toBe("02:ff:80:00:07:0b"); // not an epair
    expect(applied["epair-stack-bytes"]).toBe(1);
  });

  it("drops interfaces the program does not use, with their rows", () => {
    const s = state();
    s.ifs.push({ ifname: "vtnet0", index: 1, flags: "UP", lladdr: "52:54:00:00:00:01" });
    s.routes.push({ dst: "0.0.0.0/0", gateway: "192.168.0.1", flags: "UP,GATEWAY,STATIC", ifname: "vtnet0" });
    const obs = observations({ state: s, op: { frames: [arpReplyFrame("vtnet0")] } });
    const { obs: n, applied } = normalize(obs, ctx);
    const st = n.ops[1].state;
    expect(st?.ifs.map((i) => i.ifname)).toEqual(["vtnet1"]);
    expect(st?.routes.some((r) => r.ifname === "vtnet0")).toBe(false);
    expect(st?.routes.some((r) => r.ifname === "lo0")).toBe(true);
    expect(n.ops[0].frames).toEqual([]);
    expect(applied["foreign-interfaces"]).toBe(3);
  });

  it("makes ARP expiry relative to the checkpoint's uptime, then drops the uptime", () => {
    const s = state();
    s.arp.push({
      addr: "10.0.0.3",
      lladdr: "02:00:00:00:00:33",
      ifname: "vtnet1",
      flags: "UP,HOST,LLDATA,STATIC",
      expire: 0,
    });
    const { obs: n } = normalize(observations({ state: s }), ctx);
    expect(n.ops[1].state?.arp.map((e) => e.expire)).toEqual([`${1200}s`, "permanent"]);
    expect(n.ops[1].state?.uptime).toBeUndefined();
    const noUptime = state({ uptime: undefined });
    delete noUptime.uptime;
    expect(normalize(observations({ state: noUptime }), ctx).obs.ops[1].state?.arp[0].expire).toBe(
      "expiring",
    );
    expect(1200 % EXPIRE_GRANULARITY).toBe(0);
  });

  it("drops IPv6 routing messages and frames (out of the twin's scope)", () => {
    const v6frame = arpReplyFrame();
    v6frame.json = {
      length: 60,
      layers: [
        { layer: "ethernet", dst: "33:33:00:00:00:01", src: "02:00:00:00:00:01", ethertype: "0x86dd" },
      ],
    };
    const obs = observations({
      op: {
        rtsock: [rtmsg("RTM_NEWADDR", { ifa: "fe80::1" }, { ipv6: true }), rtmsg("RTM_ADD")],
        frames: [v6frame, arpReplyFrame()],
      },
    });
    const { obs: n, applied } = normalize(obs, ctx);
    expect(n.ops[0].rtsock.map((m) => m.type)).toEqual(["RTM_ADD"]);
    expect(n.ops[0].frames).toHaveLength(1);
    expect(applied["ipv6-out-of-scope"]).toBe(2);
  });

  it("drops frame times and zeroes IPv4 ident and checksum (ARP frames have none)", () => {
    const { obs: n, applied } = normalize(observations({ op: { frames: [arpReplyFrame()] } }), ctx);
    expect(n.ops[0].frames[0].time).toBeNull();
    expect(applied["frame-time"]).toBe(1);
    expect(applied["ipv4-id"]).toBe(0);
  });
});

describe("the interfaces a program uses", () => {
  it("are its NICs and clones, with both halves of an epair", () => {
    const p = scenario("t/ifs", "ifs", (s) => {
      s.nic("vtnet1");
      s.nic("epair0a", { driver: "epair" });
      s.ifcreate("epair5");
      s.ifcreate("tun3");
    });
    expect([...programInterfaces(p)].sort()).toEqual([
      "epair0a",
      "epair0b",
      "epair5",
      "epair5a",
      "epair5b",
      "tun3",
      "vtnet1",
    ]);
  });
});
