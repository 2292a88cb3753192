// sysctl names for the routing dumps (10.4 sys/sys/socket.h NET_RT_*, sys/sys/sysctl.h CTL_*)
// and the int codec: sysctl int values are 4-byte little-endian on amd64.

import { checkLength, getI32, outputBuffer, setU32, type DecodeError } from "./decode.ts";
import { PF_ROUTE } from "./socket.ts";

export { PF_ROUTE } from "./socket.ts";

// 10.4 sys/sys/sysctl.h top-level identifiers
export const CTL_UNSPEC = 0;
export const CTL_KERN = 1;
export const CTL_VM = 2;
export const CTL_VFS = 3;
export const CTL_NET = 4;
export const CTL_DEBUG = 5;
export const CTL_HW = 6;
export const CTL_MACHDEP = 7;
export const CTL_USER = 8;
export const CTL_P1003_1B = 9;

// 10.4 sys/sys/socket.h: the fifth mib component under net.route
export const NET_RT_DUMP = 1;
export const NET_RT_FLAGS = 2;
export const NET_RT_IFLIST = 3;
export const NET_RT_IFMALIST = 4;
export const NET_RT_IFLISTL = 5;

export type RouteDumpOp = "dump" | "flags" | "iflist" | "ifmalist" | "iflistl";

const OPS: Readonly<Record<RouteDumpOp, number>> = {
  dump: NET_RT_DUMP,
  flags: NET_RT_FLAGS,
  iflist: NET_RT_IFLIST,
  ifmalist: NET_RT_IFMALIST,
  iflistl: NET_RT_IFLISTL,
};

export interface RouteDumpRequest {
  op: RouteDumpOp;
  /** Address family to dump, AF_UNSPEC (0) for all. */
  af: number;
  /** NET_RT_FLAGS: the RTF_ bits to match; NET_RT_IFLIST/IFMALIST: an ifindex (0 = all). */
  arg: number;
  /** A fib number, which makes the mib 7 long; absent uses the caller's fib. */
  fib?: number;
}

/**
 * The mib of a routing dump as route(8), netstat(1) and arp(8) build it:
 * { CTL_NET, PF_ROUTE, 0, af, op, arg [, fib] }.
 */
export function routeDumpMib(req: RouteDumpRequest): number[] {
  const mib = [CTL_NET, PF_ROUTE, 0, req.af, OPS[req.op], req.arg];
  if (req.fib !== undefined) mib.push(req.fib);
  return mib;
}

/** Reads a routing-dump mib back; null when it is not one (wrong prefix or length, bad op). */
export function parseRouteDumpMib(mib: readonly number[]): RouteDumpRequest | null {
  if (mib.length !== 6 && mib.length !== 7) return null;
  if (mib[0] !== CTL_NET || mib[1] !== PF_ROUTE || mib[2] !== 0) return null;
  const op = (Object.keys(OPS) as RouteDumpOp[]).find((k) => OPS[k] === mib[4]);
  if (op === undefined) return null;
  const req: RouteDumpRequest = { op, af: mib[3], arg: mib[5] };
  if (mib.length === 7) req.fib = mib[6];
  return req;
}

/** The dotted name of a mib for logs: "net.route.0.2.dump.0" (arp -an's request). */
export function formatRouteDumpMib(mib: readonly number[]): string {
  const req = parseRouteDumpMib(mib);
  if (req === null) return mib.join(".");
  const parts = ["net", "route", "0", String(req.af), req.op, String(req.arg)];
  if (req.fib !== undefined) parts.push(String(req.fib));
  return parts.join(".");
}

export const SYSCTL_INT_SIZE = 4;

export function decodeSysctlInt(bytes: Uint8Array, offset = 0): number | DecodeError {
  const short = checkLength("sysctl int", bytes, offset, SYSCTL_INT_SIZE);
  if (short !== null) return short;
  return getI32(bytes, offset);
}

export function encodeSysctlInt(value: number, into?: Uint8Array, offset = 0): Uint8Array {
  const out = outputBuffer("sysctl int", SYSCTL_INT_SIZE, into, offset);
  setU32(out, offset, value);
  return out;
}
