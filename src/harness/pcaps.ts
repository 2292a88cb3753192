// One pcap per interface per scenario and backend, for Wireshark: frames the host emitted and
// frames the scenario injected, in op order. Times are the backend's frame times; injected
// frames get the time of the sleeps before them (the program's own timeline). tun interfaces
// carry raw IP, which an Ethernet-typed pcap would misdescribe, so they get no file.

import { join } from "node:path";
import { PcapCapture, writePcapFiles } from "../wire/pcap.ts";
import { rawIpInterfaces } from "./decode.ts";
import { fromHex, type RawTrace } from "./ops.ts";

export function traceCaptures(trace: RawTrace): PcapCapture[] {
  const captures = new Map<string, PcapCapture>();
  const rawIp = rawIpInterfaces(trace);
  const capture = (ifname: string): PcapCapture => {
    let c = captures.get(ifname);
    if (c === undefined) captures.set(ifname, (c = new PcapCapture(ifname)));
    return c;
  };
  let clock = 0;
  trace.ops.forEach((op, i) => {
    if (op.op === "sleep") clock += op.seconds;
    if (op.op === "inject" && !rawIp.has(op.ifname))
      capture(op.ifname).add(Math.round(clock * 1e6), fromHex(op.frame));
    for (const f of trace.results[i]?.frames ?? []) {
      if (rawIp.has(f.ifname)) continue;
      clock = Math.max(clock, f.time);
      capture(f.ifname).add(Math.round(f.time * 1e6), fromHex(f.frame));
    }
  });
  return [...captures.values()];
}

/** Writes <dir>/<scenario id>/<backend>/<ifname>.pcap; returns the paths. */
export async function writeTracePcaps(dir: string, trace: RawTrace): Promise<string[]> {
  const backendDir = trace.backend.replace(/[^A-Za-z0-9_.-]/g, "_");
  return writePcapFiles(join(dir, ...trace.program.split("/"), backendDir), traceCaptures(trace));
}
