// Inject steps → Ethernet frames, through the src/wire builders (unpadded, as docs/wire.md says).

import { parseIpv4 } from "../abi/in.ts";
import { mac } from "../wire/addr.ts";
import {
  arpReply,
  arpRequest,
  gratuitousArp,
  icmpEchoRequest,
  igmpReport,
  udpDatagram,
} from "../wire/builders.ts";
import { fromHex } from "./ops.ts";
import type { FrameSpec } from "./program.ts";

/** The schema has already checked every address, so parse failures cannot reach here. */
function ip(s: string): number {
  return parseIpv4(s) ?? 0;
}

export function lowerFrame(spec: FrameSpec): Uint8Array {
  switch (spec.kind) {
    case "hex":
      return fromHex(spec.hex);
    case "arp-request":
      return arpRequest({ srcMac: mac(spec.src_mac), srcIp: ip(spec.src_ip), targetIp: ip(spec.target_ip) });
    case "arp-reply":
      return arpReply({
        srcMac: mac(spec.src_mac),
        srcIp: ip(spec.src_ip),
        dstMac: mac(spec.dst_mac),
        dstIp: ip(spec.dst_ip),
      });
    case "garp":
      return gratuitousArp({ srcMac: mac(spec.src_mac), ip: ip(spec.ip) });
    case "icmp-echo":
      return icmpEchoRequest({
        srcMac: mac(spec.src_mac),
        dstMac: mac(spec.dst_mac),
        srcIp: ip(spec.src_ip),
        dstIp: ip(spec.dst_ip),
        id: spec.id ?? 1,
        seq: spec.seq ?? 1,
      });
    case "igmp-report":
      return igmpReport({
        srcMac: mac(spec.src_mac),
        srcIp: ip(spec.src_ip),
        group: ip(spec.group),
        version: 2,
      });
    case "udp":
      return udpDatagram({
        srcMac: mac(spec.src_mac),
        dstMac: mac(spec.dst_mac),
        srcIp: ip(spec.src_ip),
        dstIp: ip(spec.dst_ip),
        srcPort: spec.src_port,
        dstPort: spec.dst_port,
        payload: fromHex(spec.payload ?? ""),
      });
    default: {
      const never: never = spec;
      throw new Error(`unhandled frame kind ${JSON.stringify(never)}`);
    }
  }
}
