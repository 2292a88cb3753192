// The new expectations against bytes a real FreeBSD 10.4 kernel produced (test/harness/guest/),
// and against the twin: each passes on both, and each, made wrong, fails on both.

import { describe, expect, it } from "vitest";
import { createReplayBackend } from "../../src/backends/replay.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import type { Backend } from "../../src/backends/backend.ts";
import { loadProgramFile, type Expect, type Program } from "../../src/harness/program.ts";
import { conform } from "../../src/harness/runner.ts";

const program = await loadProgramFile("test/harness/guest/doc-examples.program.json");
const backends: [string, () => Backend][] = [
  [
    "the 10.4-seedin guest's trace",
    () => createReplayBackend({ release: "10.4-seedin", root: "test/harness/guest" }),
  ],
  ["the twin", () => createTwinBackend()],
];

/** The program with one key of a step's expectation replaced; the other keys stay, so the
 * lowered ops (checkpoints included), and with them the recorded trace, stay valid. */
function mutated(step: number, e: Expect): Program {
  const p = structuredClone(program);
  p.steps[step].expect = { ...p.steps[step].expect, ...e };
  return p;
}

const wrong: [string, number, Expect][] = [
  ["an rtsock sequence missing its last message", 1, { rtsock: { exactly: ["RTM_NEWADDR", "RTM_ADD"] } }],
  ["another ethertype", 1, { frames: [{ where: { "ethernet.ethertype": 2048 } }] }],
  ["another link-layer group", 1, { groups: [{ ifname: "vtnet1", lladdr: "01:00:5e:00:00:02" }] }],
  ["an expiry below the entry's", 2, { arp: [{ addr: "10.0.0.2", expire: { max: 1100 } }] }],
  ["frames: [] where the kernel answered", 2, { frames: [] }],
  ["another sysctl value", 4, { sysctls: [{ name: "net.inet.ip.no_same_prefix", value: 0 }] }],
  ["another errno", 5, { errno: "EEXIST" }],
];

describe.each(backends)("on %s", (_name, backend) => {
  it("every example expectation passes", async () => {
    const [r] = await conform([program], backend(), []);
    expect(r.reason).toBeUndefined();
    expect(r.findings.map((f) => f.finding.message)).toEqual([]);
    expect(r.status).toBe("pass");
  });

  it.each(wrong)("fails with %s", async (_what, step, e) => {
    const [r] = await conform([mutated(step, e)], backend(), []);
    expect(r.status).toBe("fail");
    expect(r.findings.map((f) => f.finding.step)).toEqual([step]);
  });
});
