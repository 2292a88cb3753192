import { describe, expect, it } from "vitest";
import { diffObservations } from "../../src/harness/diff.ts";
import { arpReplyFrame, observations, rtmsg, state } from "./fakes.ts";

describe("diff", () => {
  it("identical observations do not differ", () => {
    expect(diffObservations(observations(), observations({ backend: "replay:x" }))).toEqual([]);
  });

  it("reports errno and data with both values", () => {
    const f = diffObservations(
      observations({ op: { errno: 0, data: "00" } }),
      observations({ op: { errno: 17, data: "01" } }),
    );
    expect(f.map((x) => x.kind)).toEqual(["errno", "data"]);
    expect(f[0]).toMatchObject({
      step: 0,
      a: 0,
      b: 17,
      message: "errno OK vs EEXIST",
      path: "step 0 (ioctl) errno",
    });
    expect(f[1]).toMatchObject({ a: "00", b: "01" });
  });

  it("routing messages and frames compare in order; a missing one is null on its side", () => {
    const a = observations({
      op: { rtsock: [rtmsg("RTM_NEWADDR"), rtmsg("RTM_ADD")], frames: [arpReplyFrame()] },
    });
    const b = observations({ op: { rtsock: [rtmsg("RTM_NEWADDR")], frames: [arpReplyFrame("vtnet1", 2)] } });
    const f = diffObservations(a, b);
    expect(f.map((x) => x.kind)).toEqual(["rtsock", "frame"]);
    expect(f[0]).toMatchObject({ index: 1, b: null, path: "step 0 (ioctl) rtsock #1 RTM_ADD" });
    expect(f[1]).toMatchObject({ index: 0, path: "step 0 (ioctl) frame #0 vtnet1" });
  });

  it("state rows are keyed: only-in-a, only-in-b, and changed fields", () => {
    const sb = state();
    sb.routes = [{ ...sb.routes[0], flags: "UP" }];
    sb.groups.push({ ifname: "vtnet1", group: "224.0.0.251", lladdr: "01:00:5e:00:00:fb" });
    const f = diffObservations(observations(), observations({ state: sb }));
    expect(f.map((x) => x.message)).toEqual([
      "routes 10.0.0.0/24 vtnet1: flags differ",
      "routes 10.0.0.1 lo0: only in a",
      "groups vtnet1 224.0.0.251: only in b",
    ]);
    expect(f.every((x) => x.kind === "state" && x.step === 0 && x.opIndex === 1)).toBe(true);
  });

  it("refuses traces of different programs", () => {
    const b = observations();
    b.ops.pop();
    expect(() => diffObservations(observations(), b)).toThrow(/2 ops against 1/);
  });
});
