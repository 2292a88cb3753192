// Expectations that can fail do fail: a few scenarios run on the twin as written, then with one
// expected value changed, and the changed copy must report exactly that check as a failure.
// Covers the expectation kinds the suites added (data, frame hex, route ifa, rtsock slots/flags,
// ARP entry flags).

import { describe, expect, test } from "vitest";
import { createTwinBackend } from "../../src/backends/twin.ts";
import type { Program } from "../../src/harness/program.ts";
import { conform } from "../../src/harness/runner.ts";
import { allScenarios } from "../../suites/index.ts";

const byId = new Map(allScenarios().map((p) => [p.id, p]));

function scenarioCopy(id: string): Program {
  const p = byId.get(id);
  if (p === undefined) throw new Error(`no scenario ${id}`);
  return structuredClone(p);
}

async function checksFailed(p: Program): Promise<string[]> {
  const [r] = await conform([p], createTwinBackend(), []);
  return r.findings.map((f) => (f.finding.kind === "expect" ? f.finding.check : f.finding.kind));
}

describe("suite expectations can fail", () => {
  test("frame hex: one byte off", async () => {
    const p = scenarioCopy("arp/reply-byte-exact");
    expect(await checksFailed(p)).toEqual([]);
    const f = p.steps[1].expect?.frames?.[0];
    if (f?.hex === undefined) throw new Error("scenario shape changed");
    f.hex = f.hex.slice(0, -2) + "03";
    expect(await checksFailed(p)).toEqual(["frames"]);
  });

  test("data ifr_addr: another address", async () => {
    const p = scenarioCopy("addr/get-first-address");
    expect(await checksFailed(p)).toEqual([]);
    const d = p.steps[2].expect?.data?.ifr_addr;
    if (d === undefined) throw new Error("scenario shape changed");
    d.addr = "10.0.1.1";
    expect(await checksFailed(p)).toEqual(["data"]);
  });

  test("route ifa and rtsock slots", async () => {
    const p = scenarioCopy("addr/alias-same-prefix");
    expect(await checksFailed(p)).toEqual([]);
    const e = p.steps[2].expect;
    const route = e?.routes?.[0];
    const msg = Array.isArray(e?.rtsock) ? e.rtsock[1] : undefined;
    if (route === undefined || msg === undefined || typeof msg === "string")
      throw new Error("scenario shape changed");
    route.ifa = "10.0.0.2";
    msg.slots = { dst: "10.0.0.0", gateway: "10.0.0.1" };
    expect((await checksFailed(p)).sort()).toEqual(["routes", "rtsock"]);
  });

  test("rtsock flags and ARP entry flags", async () => {
    const p = scenarioCopy("arp/published-entry");
    expect(await checksFailed(p)).toEqual([]);
    const a = p.steps[1].expect?.arp?.[0];
    if (a === undefined) throw new Error("scenario shape changed");
    a.flags = ["BLACKHOLE"];
    expect(await checksFailed(p)).toEqual(["arp"]);
    const q = scenarioCopy("rtsock/ifa-del-prefixroute");
    const list = q.steps[2].expect?.rtsock;
    const m = Array.isArray(list) ? list[0] : undefined;
    if (m === undefined || typeof m === "string") throw new Error("scenario shape changed");
    m.noflags = ["PINNED"];
    expect(await checksFailed(q)).toEqual(["rtsock"]);
  });
});
