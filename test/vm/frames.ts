// Minimal Ethernet/ARP building and parsing for the VM tests (src/wire is the real codec; these
// tests only need the one frame kind and must not depend on it).

export function macBytes(mac: string): number[] {
  return mac.split(":").map((h) => parseInt(h, 16));
}

function ipBytes(ip: string): number[] {
  return ip.split(".").map(Number);
}

export function arpRequest(o: { senderMac: string; senderIp: string; targetIp: string }): Uint8Array {
  return new Uint8Array([
    ...[255, 255, 255, 255, 255, 255],
    ...macBytes(o.senderMac),
    0x08,
    0x06, // ARP
    0x00,
    0x01,
    0x08,
    0x00,
    6,
    4, // Ethernet, IPv4, hlen, plen
    0x00,
    0x01, // request
    ...macBytes(o.senderMac),
    ...ipBytes(o.senderIp),
    ...[0, 0, 0, 0, 0, 0],
    ...ipBytes(o.targetIp),
  ]);
}

export interface ArpFrame {
  dst: number[];
  src: number[];
  op: number;
  senderMac: number[];
  senderIp: string;
  targetMac: number[];
  targetIp: string;
}

export function parseArp(f: Uint8Array): ArpFrame | null {
  if (f.length < 42 || f[12] !== 0x08 || f[13] !== 0x06) return null;
  return {
    dst: [...f.subarray(0, 6)],
    src: [...f.subarray(6, 12)],
    op: (f[20] << 8) | f[21],
    senderMac: [...f.subarray(22, 28)],
    senderIp: [...f.subarray(28, 32)].join("."),
    targetMac: [...f.subarray(32, 38)],
    targetIp: [...f.subarray(38, 42)].join("."),
  };
}
