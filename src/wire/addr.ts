// MAC addresses as Uint8Array(6), and the Ethernet group address an IPv4 multicast group maps to.

import { formatLladdr } from "../abi/if_dl.ts";
import { wireError, type WireError } from "./error.ts";

export const ETHER_ADDR_LEN = 6;
export const BROADCAST_MAC: Readonly<Uint8Array> = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
export const ZERO_MAC: Readonly<Uint8Array> = new Uint8Array(ETHER_ADDR_LEN);

/** "02:00:00:00:00:01" — same text the routing-socket decoders print for a sockaddr_dl. */
export function macToString(mac: Uint8Array): string {
  return formatLladdr(mac);
}

/**
 * Six colon- or dash-separated octets of one or two hex digits each; an error value on anything
 * else. Scanned a character at a time (every Kernel boot parses its devices' MACs).
 */
export function parseMac(s: string): Uint8Array | WireError {
  const out = new Uint8Array(ETHER_ADDR_LEN);
  let octets = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (c === -1 || c === 0x3a /* : */ || c === 0x2d /* - */) {
      if (digits === 0 || octets === ETHER_ADDR_LEN) return notMac(s);
      octets++;
      digits = 0;
      continue;
    }
    const h = hexDigit(c);
    if (h < 0 || ++digits > 2) return notMac(s);
    out[octets] = out[octets] * 16 + h;
  }
  return octets === ETHER_ADDR_LEN ? out : notMac(s);
}

/** The value of an ASCII hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function notMac(s: string): WireError {
  return wireError(
    "mac",
    0,
    `not a MAC address: ${JSON.stringify(s)} (want six hex octets, e.g. 02:00:00:00:00:01)`,
  );
}

/** parseMac for literals in suites and tests: a malformed literal is a programming error. */
export function mac(s: string): Uint8Array {
  const m = parseMac(s);
  if (m instanceof Uint8Array) return m;
  throw new Error(m.message);
}

export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // A plain loop: the drivers and ARP compare addresses on every frame.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Group bit: the low bit of the first octet (IEEE 802.3 clause 3.2.3). */
export function isMulticastMac(m: Uint8Array): boolean {
  return (m[0] & 1) === 1;
}

/**
 * RFC 1112 section 6.4: an IPv4 group maps to 01-00-5e plus the group's low-order 23 bits
 * (FreeBSD's ETHER_MAP_IP_MULTICAST does the same for arpresolve's M_MCAST case).
 */
export function ipv4MulticastMac(group: number): Uint8Array {
  const g = group >>> 0;
  return new Uint8Array([0x01, 0x00, 0x5e, (g >>> 16) & 0x7f, (g >>> 8) & 0xff, g & 0xff]);
}
