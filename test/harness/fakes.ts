// Small hand-built observations for unit tests of expectations, normalization and diffs.

import { arpReply } from "../../src/wire/builders.ts";
import { mac } from "../../src/wire/addr.ts";
import { formatFrame } from "../../src/wire/format.ts";
import { frameToJson } from "../../src/wire/json.ts";
import type { FrameObs, Observations, OpObs, RtMsgObs, StateObs } from "../../src/harness/observation.ts";
import { toHex } from "../../src/harness/ops.ts";

export function state(over: Partial<StateObs> = {}): StateObs {
  return {
    ifs: [
      {
        ifname: "vtnet1",
        index: 2,
        flags: "UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST",
        lladdr: "02:00:00:00:00:01",
      },
    ],
    addrs: [
      { ifname: "vtnet1", addr: "10.0.0.1", mask: "255.255.255.0", prefixlen: 24, broadaddr: "10.0.0.255" },
    ],
    routes: [
      { dst: "10.0.0.0/24", gateway: "link#vtnet1", flags: "UP,PINNED", ifname: "vtnet1", ifa: "10.0.0.1" },
      { dst: "10.0.0.1", gateway: "link#vtnet1", flags: "UP,HOST,STATIC", ifname: "lo0" },
    ],
    arp: [
      {
        addr: "10.0.0.2",
        lladdr: "02:00:00:00:00:22",
        ifname: "vtnet1",
        flags: "UP,HOST,LLDATA",
        expire: 1300,
      },
    ],
    groups: [{ ifname: "vtnet1", group: "224.0.0.1", lladdr: "01:00:5e:00:00:01" }],
    uptime: 100,
    ...over,
  };
}

export function rtmsg(
  type: string,
  addrs: Record<string, string> = {},
  over: Partial<RtMsgObs> = {},
): RtMsgObs {
  return {
    type,
    ifname: "vtnet1",
    flags: "UP",
    addrs,
    pid: 0,
    seq: 0,
    errno: 0,
    ipv6: false,
    text: type,
    ...over,
  };
}

export function arpReplyFrame(ifname = "vtnet1", time: number | null = 1): FrameObs {
  const bytes = arpReply({
    srcMac: mac("02:00:00:00:00:01"),
    srcIp: 0x0a000001,
    dstMac: mac("02:00:00:00:00:22"),
    dstIp: 0x0a000002,
  });
  return { ifname, time, hex: toHex(bytes), summary: formatFrame(bytes), json: frameToJson(bytes) };
}

/** Step 0's op (an ioctl) and its checkpoint. */
export function observations(
  over: { op?: Partial<OpObs>; state?: StateObs; backend?: string } = {},
): Observations {
  const main: OpObs = {
    index: 0,
    origin: { role: "step", step: 0 },
    op: { op: "ioctl", cred: { uid: 0 }, cmd: 0, data: "" },
    errno: 0,
    rtsock: [],
    frames: [],
    decodeErrors: [],
    ...over.op,
  };
  const cp: OpObs = {
    index: 1,
    origin: { role: "checkpoint", step: 0 },
    op: { op: "checkpoint", label: "after step 0" },
    errno: 0,
    rtsock: [],
    frames: [],
    state: over.state ?? state(),
    decodeErrors: [],
  };
  return {
    program: "t/fake",
    backend: over.backend ?? "twin",
    provenance: { release: "twin", uname: "fake", date: "2026-01-01" },
    ops: [main, cp],
  };
}
