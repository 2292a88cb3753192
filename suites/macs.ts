// The link-layer addresses scenarios share. OUR_MAC is what the scenario builder gives the first
// NIC declared (src/harness/scenario.ts defaultMac); the others stand for hosts on the wire.

export const OUR_MAC = "02:00:00:00:00:01";
export const PEER_MAC = "02:00:00:00:00:22";
export const OTHER_MAC = "02:00:00:00:00:33";
export const ZERO_MAC = "00:00:00:00:00:00";
