import { describe, expect, it } from "vitest";
import { findingSides, sideBySide } from "../../src/harness/report-sides.ts";
import type { ReportFinding } from "../../src/harness/report-json.ts";
import { arpReplyFrame, rtmsg } from "./fakes.ts";

const base = { verdict: "failure", divergence: null, step: 1, opIndex: 2, path: "p", message: "m" } as const;

describe("both sides of a finding", () => {
  it("frames: the one-line decode, then only the fields that differ", () => {
    const a = arpReplyFrame();
    const b = arpReplyFrame();
    b.json = {
      ...b.json,
      layers: b.json.layers.map((l) => (l.layer === "arp" ? { ...l, targetIp: "10.0.0.9" } : l)),
    };
    const s = findingSides({ ...base, kind: "frame", a, b } as ReportFinding, ["twin", "freebsd"]);
    expect(s.leftLabel).toBe("twin");
    expect(s.left).toEqual([`vtnet1: ${a.summary}`, '  arp.targetIp = "10.0.0.2"']);
    expect(s.right).toEqual([`vtnet1: ${b.summary}`, '  arp.targetIp = "10.0.0.9"']);
  });

  it("routing messages by type, interface, flags and address slots; a missing one says so", () => {
    const s = findingSides(
      { ...base, kind: "rtsock", a: rtmsg("RTM_ADD", { dst: "10.0.0.0" }), b: null } as ReportFinding,
      ["a", "b"],
    );
    expect(s.left).toEqual(["RTM_ADD vtnet1 <UP>", "  dst=10.0.0.0"]);
    expect(s.right).toEqual(["(no message)"]);
  });

  it("expectations are expected | actual; state rows field by field", () => {
    const e = findingSides({ ...base, kind: "expect", expected: "EEXIST", actual: "OK" } as ReportFinding, [
      "twin",
      "b",
    ]);
    expect([e.leftLabel, e.rightLabel, e.left, e.right]).toEqual([
      "expected",
      "actual (twin)",
      ["EEXIST"],
      ["OK"],
    ]);
    const st = findingSides(
      { ...base, kind: "state", a: { dst: "10.0.0.0/24", flags: "UP" }, b: null } as ReportFinding,
      ["a", "b"],
    );
    expect(st.left).toEqual(["dst: 10.0.0.0/24", "flags: UP"]);
    expect(st.right).toEqual(["(absent)"]);
  });

  it("side by side pads the left column and clips long lines", () => {
    const lines = sideBySide({ leftLabel: "L", rightLabel: "R", left: ["x".repeat(60)], right: ["y"] }, 10);
    expect(lines).toEqual(["L          | R", "xxxxxxxxx… | y"]);
  });
});
