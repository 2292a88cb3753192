import { describe, expect, it } from "vitest";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { decodeTrace } from "../../src/harness/decode.ts";
import { checkExpectations } from "../../src/harness/expect.ts";
import { lower, lowerProgram } from "../../src/harness/lower.ts";
import { normalize } from "../../src/harness/normalize.ts";
import type { Expect } from "../../src/harness/program.ts";
import { scenario, type ScenarioBuilder, type StepHandle } from "../../src/harness/scenario.ts";
import type { Finding } from "../../src/harness/findings.ts";
import { arpReplyFrame, observations, rtmsg, state } from "./fakes.ts";
import type { Observations } from "../../src/harness/observation.ts";

function check(e: Expect, obs: Observations = observations()): Extract<Finding, { kind: "expect" }>[] {
  const p = scenario("t/fake", "fake", (s) => {
    s.nic("vtnet1");
    s.nic("vtnet2");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect(e);
  });
  return checkExpectations(p, obs) as Extract<Finding, { kind: "expect" }>[];
}

describe("expectations", () => {
  it("errno by name, by number, and unknown names", () => {
    expect(check({ errno: "OK" })).toEqual([]);
    expect(check({ errno: 0 })).toEqual([]);
    const [f] = check({ errno: "EEXIST" });
    expect(f).toMatchObject({ check: "errno", step: 0, expected: "EEXIST", actual: "OK" });
    expect(check({ errno: "EINVAL" }, observations({ op: { errno: 22 } }))).toEqual([]);
  });

  it("routes: present with fields, absent, flags set and clear", () => {
    expect(
      check({
        routes: [
          { dst: "10.0.0.0/24", ifname: "vtnet1", gateway: "link#", flags: ["UP"], noflags: ["GATEWAY"] },
        ],
      }),
    ).toEqual([]);
    expect(check({ routes: [{ dst: "10.0.0.1/32", flags: ["RTF_HOST"] }] })).toEqual([]);
    expect(check({ routes: [{ dst: "10.9.0.0/16" }] })[0]).toMatchObject({
      check: "routes",
      expected: "a route",
    });
    expect(check({ routes: [{ dst: "10.0.0.0/24", absent: true }] })[0].expected).toBe("no such route");
    const [f] = check({ routes: [{ dst: "10.0.0.0/24", gateway: "10.0.0.254", flags: ["STATIC"] }] });
    expect(f.expected).toBe("gateway 10.0.0.254 (got link#vtnet1), flag STATIC set");
    expect(f.path).toBe("step 0 routes 10.0.0.0/24");
  });

  it("arp, addrs, groups", () => {
    expect(check({ arp: [{ addr: "10.0.0.2", lladdr: "02:00:00:00:00:22", static: false }] })).toEqual([]);
    expect(check({ arp: [{ addr: "10.0.0.2", static: true }] })[0].expected).toBe("static");
    expect(check({ arp: [{ addr: "10.0.0.3", absent: true }] })).toEqual([]);
    expect(check({ addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24", broadaddr: "10.0.0.255" }] })).toEqual(
      [],
    );
    expect(check({ addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/16" }] })[0].expected).toBe(
      "prefixlen 16 (got 24)",
    );
    expect(check({ groups: [{ ifname: "vtnet1", group: "224.0.0.1" }] })).toEqual([]);
    expect(check({ groups: [{ ifname: "vtnet1", group: "224.0.0.1", absent: true }] })[0].actual).toBe(
      "member",
    );
  });

  it("arp expire: seconds left at the checkpoint, counted from its uptime, on normalized observations", () => {
    // The fake entry expires at time_uptime 1300 and the checkpoint was dumped at 100: 1200 s left.
    const norm = (o: Observations): Observations => normalize(o, { interfaces: new Set(["vtnet1"]) }).obs;
    const expire = (e: { min?: number; max?: number }, o = norm(observations())) =>
      check({ arp: [{ addr: "10.0.0.2", expire: e }] }, o);
    expect(expire({ min: 1195, max: 1200 })).toEqual([]);
    expect(expire({ max: 1200 })).toEqual([]);
    expect(expire({ min: 1201 })[0].expected).toBe("expire in 1201..∞s (got 1200s)");
    expect(expire({ max: 1199 })[0].expected).toBe("expire in 0..1199s (got 1200s)");
    const permanent = state();
    permanent.arp[0].expire = 0;
    expect(expire({ min: 0 }, norm(observations({ state: permanent })))[0].expected).toMatch(
      /got a permanent entry/,
    );
    const noUptime = state();
    delete noUptime.uptime;
    expect(expire({ min: 0 }, norm(observations({ state: noUptime })))[0].expected).toMatch(
      /reported no uptime/,
    );
  });

  it("groups: link-layer memberships by lladdr, alone or with the IPv4 group", () => {
    expect(check({ groups: [{ ifname: "vtnet1", lladdr: "01:00:5e:00:00:01" }] })).toEqual([]);
    expect(
      check({ groups: [{ ifname: "vtnet1", group: "224.0.0.1", lladdr: "01:00:5e:00:00:01" }] }),
    ).toEqual([]);
    const [f] = check({ groups: [{ ifname: "vtnet1", lladdr: "01:00:5e:00:00:02" }] });
    expect(f).toMatchObject({
      check: "groups",
      expected: "a member",
      actual: "not a member (224.0.0.1 at 01:00:5e:00:00:01)",
    });
    expect(check({ groups: [{ ifname: "vtnet1", lladdr: "01:00:5e:00:00:01", absent: true }] })).toHaveLength(
      1,
    );
  });

  it("state expectations read the checkpoint after the step, not an older state", () => {
    const obs = observations({ state: state({ addrs: [] }) });
    expect(check({ addrs: [{ ifname: "vtnet1", addr: "10.0.0.1" }] }, obs)[0].actual).toMatch(/^none/);
  });

  it("frames: at least one by default, exact counts, fields by layer path", () => {
    const obs = observations({ op: { frames: [arpReplyFrame()] } });
    expect(
      check({ frames: [{ where: { "arp.operation": 2, "ethernet.dst": "02:00:00:00:00:22" } }] }, obs),
    ).toEqual([]);
    expect(check({ frames: [{ where: { "arp.operation": 2 }, count: 1 }] }, obs)).toEqual([]);
    expect(check({ frames: [{ where: { "arp.operation": 1 } }] }, obs)[0].actual).toMatch(/^0 \(vtnet1: /);
    expect(check({ frames: [{ where: { "arp.operation": 2 }, count: 0 }] }, obs)).toHaveLength(1);
    expect(check({ frames: [{ ifname: "vtnet2", where: { "arp.operation": 2 } }] }, obs)).toHaveLength(1);
    expect(check({ frames: [{ where: { "ipv4.ttl": 64 } }] }, obs)).toHaveLength(1);
  });

  it("frames.where compares by meaning: numbers in any notation, MACs and addresses canonicalised", () => {
    const obs = observations({ op: { frames: [arpReplyFrame()] } });
    // The decoder shows ethertype as "0x0806"; 2054 is the same number.
    const wheres: Record<string, string | number>[] = [
      { "ethernet.ethertype": 2054 },
      { "ethernet.ethertype": "0x0806" },
      { "ethernet.ethertype": "2054" },
      { "arp.operation": "0x2" },
      { "ethernet.dst": "02:00:00:00:00:22" },
      { "ethernet.dst": "02-00-00-00-00-22" },
      { "ethernet.src": "2:0:0:0:0:1" },
      { "arp.senderMac": "02:00:00:00:00:01" },
      { "arp.targetIp": "10.0.0.2" },
    ];
    for (const where of wheres)
      expect(check({ frames: [{ where, count: 1 }] }, obs), JSON.stringify(where)).toEqual([]);
    expect(check({ frames: [{ where: { "ethernet.ethertype": 2048 } }] }, obs)).toHaveLength(1);
    expect(check({ frames: [{ where: { "ethernet.dst": "02:00:00:00:00:23" } }] }, obs)).toHaveLength(1);
    expect(check({ frames: [{ where: { "arp.targetIp": "10.0.0.3" } }] }, obs)).toHaveLength(1);
  });

  it("frames: [] means the step emitted no frame at all", () => {
    expect(check({ frames: [] })).toEqual([]);
    const [f] = check({ frames: [] }, observations({ op: { frames: [arpReplyFrame("vtnet2")] } }));
    expect(f).toMatchObject({ check: "frames", expected: "no frames" });
    expect(f.actual).toMatch(/^1 \(vtnet2: .*ARP reply 10\.0\.0\.1 is-at 02:00:00:00:00:01\)$/);
  });

  it("rtsock: in order with others between, absent ones nowhere", () => {
    const obs = observations({
      op: {
        rtsock: [
          rtmsg("RTM_NEWADDR", { ifa: "10.0.0.1" }),
          rtmsg("RTM_NEWMADDR"),
          rtmsg("RTM_ADD", { dst: "10.0.0.0" }),
        ],
      },
    });
    expect(check({ rtsock: ["RTM_NEWADDR", { type: "RTM_ADD", addr: "10.0.0.0" }] }, obs)).toEqual([]);
    expect(check({ rtsock: ["RTM_ADD", "RTM_NEWADDR"] }, obs)).toHaveLength(1);
    expect(check({ rtsock: [{ type: "RTM_DELETE", absent: true }] }, obs)).toEqual([]);
    expect(check({ rtsock: [{ type: "RTM_NEWMADDR", absent: true }] }, obs)).toHaveLength(1);
    expect(check({ rtsock: [{ type: "RTM_ADD", addr: "10.9.9.9" }] }, obs)[0].actual).toMatch(
      /^RTM_NEWADDR 10\.0\.0\.1\b.*, RTM_NEWMADDR\b.*, RTM_ADD 10\.0\.0\.0\b/,
    );
  });

  it("rtsock slots compare addresses canonically; dotted quads are written canonically", () => {
    const obs = observations({
      op: { rtsock: [rtmsg("RTM_ADD", { dst: "10.0.0.5", gateway: "02:00:00:00:00:0a" })] },
    });
    expect(check({ rtsock: [{ type: "RTM_ADD", slots: { gateway: "02:00:00:00:00:0A" } }] }, obs)).toEqual(
      [],
    );
    expect(
      check({ rtsock: [{ type: "RTM_ADD", slots: { gateway: "02:00:00:00:00:0b" } }] }, obs),
    ).toHaveLength(1);
    expect(() => check({ rtsock: [{ type: "RTM_ADD", addr: "10.0.0.05" }] })).toThrow(
      /expect\.rtsock\.0\.addr: expected a dotted quad like 10\.0\.0\.1/,
    );
  });

  it("rtsock exactly: these messages in this order and no others between or after", () => {
    const obs = observations({
      op: { rtsock: [rtmsg("RTM_NEWADDR", { ifa: "10.0.0.1" }), rtmsg("RTM_ADD", { dst: "10.0.0.0" })] },
    });
    expect(
      check({ rtsock: { exactly: ["RTM_NEWADDR", { type: "RTM_ADD", addr: "10.0.0.0" }] } }, obs),
    ).toEqual([]);
    // One missing at the end, one extra, the wrong order, and "none" for a step that sent some.
    for (const exactly of [
      ["RTM_NEWADDR"],
      ["RTM_NEWADDR", "RTM_ADD", "RTM_ADD"],
      ["RTM_ADD", "RTM_NEWADDR"],
      [],
    ])
      expect(check({ rtsock: { exactly } }, obs), exactly.join()).toHaveLength(1);
    const [f] = check({ rtsock: { exactly: [] } }, obs);
    expect(f).toMatchObject({ check: "rtsock", expected: "exactly none" });
    expect(f.actual).toMatch(/^RTM_NEWADDR 10\.0\.0\.1 .*, RTM_ADD 10\.0\.0\.0 /);
    expect(check({ rtsock: { exactly: [] } })).toEqual([]);
    expect(() => check({ rtsock: { exactly: [{ type: "RTM_ADD", absent: true }] } })).toThrow(
      /expect\.rtsock\.exactly\.0\.absent: exactly lists the messages there are/,
    );
  });
});

describe("sysctl checks", () => {
  const program = (e: Expect) =>
    scenario("t/sysctl-check", "sysctl check", (s) => {
      s.nic("vtnet1");
      s.sysctl("net.inet.ip.no_same_prefix", 1).expect(e);
    });

  it("lower to reads as root after the step, labelled as its checkpoint", () => {
    const { ops, origins } = lowerProgram(
      program({ sysctls: [{ name: "net.inet.ip.no_same_prefix", value: 1 }] }),
    );
    const i = origins.findIndex((o) => o.role === "checkpoint");
    expect(ops[i]).toEqual({ op: "sysctl", cred: { uid: 0 }, name: "net.inet.ip.no_same_prefix" });
    expect(origins[i]).toEqual({ role: "checkpoint", step: 0 });
  });

  it("compare the value read back by the sysctl's type, or its bytes", async () => {
    const run = async (e: Expect) => {
      const p = program(e);
      const obs = decodeTrace(await createTwinBackend().run(lower(p), p), p);
      return checkExpectations(p, obs) as Extract<Finding, { kind: "expect" }>[];
    };
    expect(await run({ sysctls: [{ name: "net.inet.ip.no_same_prefix", value: 1 }] })).toEqual([]);
    expect(
      await run({ sysctls: [{ name: "net.inet.ip.no_same_prefix", value: { hex: "01000000" } }] }),
    ).toEqual([]);
    const [f] = await run({ sysctls: [{ name: "net.inet.ip.no_same_prefix", value: 0 }] });
    expect(f).toMatchObject({ check: "sysctls", expected: "0", actual: "1 (int, hex 01000000)" });
    const [g] = await run({ sysctls: [{ name: "net.inet.ip.no_such", value: { hex: "00" } }] });
    expect(g.actual).toBe("the read failed with ENOENT");
  });

  it("a number for a sysctl of unknown or non-numeric type is a program error", () => {
    expect(() => program({ sysctls: [{ name: "net.inet.ip.no_same_prefx", value: 1 }] })).toThrow(
      /expect\.sysctls\.0\.value: "net\.inet\.ip\.no_same_prefx" has no known type.*did you mean net\.inet\.ip\.no_same_prefix\?/,
    );
    expect(() => program({ sysctls: [{ name: "net.inet.icmp.reply_src", value: 1 }] })).toThrow(
      /is a string, not a number/,
    );
  });
});

describe("errno on every op kind", () => {
  // Each step fails in its own way on the twin; the expectation must catch both the right errno
  // and a wrong one, whatever op the step lowers to.
  const steps: [string, (s: ScenarioBuilder) => StepHandle, string][] = [
    ["ifflags on a missing interface", (s) => s.up({ missing: "vtnet9" }), "ENXIO"],
    ["ifflags unprivileged", (s) => s.up("vtnet1").as({ uid: 1001 }), "EPERM"],
    ["route delete of no route", (s) => s.routeDelete("10.9.0.0/16"), "ESRCH"],
    ["sysctl of no such name", (s) => s.sysctl("net.inet.ip.no_such"), "ENOENT"],
    [
      "sysctl write unprivileged",
      (s) => s.sysctl("net.inet.ip.no_same_prefix", 1).as({ uid: 1001 }),
      "EPERM",
    ],
    ["ifdestroy of a missing clone", (s) => s.ifdestroy({ missing: "epair7a" }), "ENXIO"],
  ];
  for (const [what, step, errno] of steps) {
    it(what, async () => {
      const run = async (want: string) => {
        const p = scenario("t/errno-kind", what, (s) => {
          s.nic("vtnet1");
          step(s).expect({ errno: want });
        });
        return checkExpectations(p, decodeTrace(await createTwinBackend().run(lower(p), p), p));
      };
      expect(await run(errno)).toEqual([]);
      expect(await run("OK")).toMatchObject([{ kind: "expect", check: "errno", step: 0, actual: errno }]);
    });
  }
});
