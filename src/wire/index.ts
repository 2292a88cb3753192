// The wire layer's public surface: frame formats, the layered decoder, builders and pcap.

export * from "./addr.ts";
export * from "./arp.ts";
export * from "./builders.ts";
export * from "./checksum.ts";
export * from "./error.ts";
export * from "./ethernet.ts";
export * from "./format.ts";
export * from "./frame.ts";
export * from "./icmp.ts";
export * from "./igmp.ts";
export * from "./ipv4.ts";
export * from "./json.ts";
export * from "./pcap.ts";
export * from "./udp.ts";
