import { describe, expect, it } from "vitest";
import { formatSysctlValue, sysctlNumber, SYSCTL_TYPES } from "../../src/harness/sysctl-types.ts";
import { describeOp } from "../../src/harness/describe.ts";
import { checkExpectations } from "../../src/harness/expect.ts";
import { scenario } from "../../src/harness/scenario.ts";
import { observations } from "./fakes.ts";

describe("sysctl values by type", () => {
  it("decodes ints, unsigned and long values, strings and structs, keeping the hex beside them", () => {
    expect(formatSysctlValue("net.inet.ip.no_same_prefix", "01000000")).toBe("1 (int, hex 01000000)");
    expect(formatSysctlValue("net.link.ether.inet.max_age", "b0040000")).toBe("1200 (int, hex b0040000)");
    expect(formatSysctlValue("net.link.ether.inet.garp_rexmit_count", "ffffffff")).toBe(
      "-1 (int, hex ffffffff)",
    );
    expect(formatSysctlValue("net.inet.icmp.maskfake", "ffffffff")).toBe("4294967295 (uint, hex ffffffff)");
    expect(formatSysctlValue("net.inet.udp.maxdgram", "2024000000000000")).toBe(
      "9248 (ulong, hex 2024000000000000)",
    );
    expect(formatSysctlValue("net.inet.icmp.reply_src", "6c6f300000")).toBe('"lo0" (string, hex 6c6f300000)');
    expect(formatSysctlValue("net.link.ether.arp.stats", "00".repeat(8))).toMatch(/^struct arpstat, 8 bytes/);
    // Unknown names and bytes of the wrong size stay hex.
    expect(formatSysctlValue("kern.unknown", "01000000")).toBe("hex 01000000");
    expect(formatSysctlValue("net.inet.ip.no_same_prefix", "01")).toBe("hex 01 (not one int)");
    expect(sysctlNumber("int", "0100")).toBeUndefined();
    // Every name the suites set or read is typed.
    for (const n of ["net.inet.ip.no_same_prefix", "net.link.ether.inet.max_age", "net.link.ether.inet.wait"])
      expect(SYSCTL_TYPES[n]?.type).toBe("int");
  });

  it("types every sysctl a suite sets or reads", async () => {
    const { allScenarios } = await import("../../suites/index.ts");
    const names = new Set(
      allScenarios().flatMap((p) => [
        ...Object.keys(p.sysctls ?? {}),
        ...p.steps.flatMap((s) => (s.op === "sysctl" ? [s.name] : [])),
      ]),
    );
    expect(names.size).toBeGreaterThan(3);
    expect([...names].filter((n) => !Object.hasOwn(SYSCTL_TYPES, n))).toEqual([]);
  });

  it("ops and failed data checks print the decoded value", () => {
    expect(
      describeOp({ op: "sysctl", cred: { uid: 0 }, name: "net.inet.ip.no_same_prefix", value: "01000000" }),
    ).toBe("sysctl net.inet.ip.no_same_prefix = 1 (int, hex 01000000)");
    const p = scenario("t/sysctl", "sysctl", (s) => {
      s.nic("vtnet1");
      s.sysctl("net.inet.ip.no_same_prefix").expect({ data: { hex: "01000000" } });
    });
    const obs = observations({
      op: { op: { op: "sysctl", cred: { uid: 0 }, name: "net.inet.ip.no_same_prefix" }, data: "00000000" },
    });
    const [f] = checkExpectations(p, obs);
    expect(f).toMatchObject({ expected: "1 (int, hex 01000000)", actual: "0 (int, hex 00000000)" });
  });
});
