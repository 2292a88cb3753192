// One line per frame, tcpdump-like, for reports and side-by-side diffs.

import { macToString } from "./addr.ts";
import { formatArp } from "./arp.ts";
import { formatWireError } from "./error.ts";
import { formatEthertype } from "./ethernet.ts";
import { decodeFrame, frameLayer, type DecodedFrame, type FrameLayer } from "./frame.ts";
import { formatIcmp } from "./icmp.ts";
import { formatIgmp } from "./igmp.ts";
import { formatIpv4Header } from "./ipv4.ts";
import { formatUdp } from "./udp.ts";

export interface FormatOptions {
  /** Prefix "src > dst, length N: " like tcpdump -e (default true). */
  link?: boolean;
}

/**
 * "02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, length 42: ARP who-has 10.0.0.1 tell 10.0.0.2",
 * "IP 10.0.0.2 > 10.0.0.1: ICMP echo request id 1 seq 1 length 8" with { link: false }.
 */
export function formatFrame(bytes: Uint8Array, options: FormatOptions = {}): string {
  return formatDecodedFrame(decodeFrame(bytes), options);
}

export function formatDecodedFrame(frame: DecodedFrame, options: FormatOptions = {}): string {
  const eth = frameLayer(frame, "ethernet");
  const body = formatBody(frame);
  if (options.link === false || eth === undefined) return body;
  return `${macToString(eth.src)} > ${macToString(eth.dst)}, length ${frame.length}: ${body}`;
}

function formatBody(frame: DecodedFrame): string {
  const parts: string[] = [];
  for (const layer of frame.layers) {
    const text = formatLayer(layer, frame);
    if (text !== "") parts.push(text);
  }
  return parts.join(" ");
}

function formatLayer(layer: FrameLayer, frame: DecodedFrame): string {
  switch (layer.layer) {
    case "ethernet":
      return frame.layers.length === 1 ? `ethertype ${formatEthertype(layer.ethertype)}` : "";
    case "arp":
      return formatArp(layer.arp);
    case "ipv4": {
      const udp = frameLayer(frame, "udp");
      const ports = udp ? { src: udp.udp.srcPort, dst: udp.udp.dstPort } : undefined;
      const head = formatIpv4Header(layer.header, ports);
      return `${head}:${layer.checksumOk ? "" : " [bad ip cksum]"}`;
    }
    case "icmp":
      return formatIcmp(layer.icmp) + (layer.checksumOk ? "" : " [bad icmp cksum]");
    case "igmp":
      return formatIgmp(layer.igmp) + (layer.checksumOk ? "" : " [bad igmp cksum]");
    case "udp":
      return formatUdp(layer.udp) + (layer.checksum === "bad" ? " [bad udp cksum]" : "");
    case "payload":
      return `${layer.what} length ${layer.bytes.length}`;
    case "trailer":
      return "";
    case "error":
      return `[${formatWireError(layer.error)}]`;
  }
}
