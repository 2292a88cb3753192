// Shared setup for the net tests: a booted Kernel with a vtnet NIC, and request builders that
// go through src/abi, as a scenario would.

import { encodeIfreq, ifreqWithAddr } from "../../../src/abi/if.ts";
import { encodeInAliasreq, inAliasreq } from "../../../src/abi/in.ts";
import { encodeRoutingMessage, newRoutingMessage, type RtAddrs } from "../../../src/abi/rtmsg.ts";
import { sockaddrIn, type SockaddrIn } from "../../../src/abi/socket.ts";
import { SIOCAIFADDR, SIOCDIFADDR } from "../../../src/abi/sockio.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";

export const ROOT = Kernel.root();
export const MAC = "52:54:00:12:34:56";
export const NONE: SockaddrIn = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };

/** A booted Kernel with vtnet0 (index 2) attached. */
export function kernelWithNic(): Kernel {
  const k = new Kernel();
  const error = k.attachNic("vtnet", "vtnet0", MAC);
  if (error !== 0) throw new Error(`attachNic: ${error}`);
  return k;
}

/** SIOCAIFADDR of addr/mask on ifname (no broadcast given, so in.c computes it). */
export function addAddr(
  k: Kernel,
  ifname: string,
  addr: number,
  mask: number,
  brd: SockaddrIn = NONE,
): number {
  return k.ioctl(
    ROOT,
    SIOCAIFADDR,
    encodeInAliasreq(inAliasreq(ifname, sockaddrIn(addr), sockaddrIn(mask), brd)),
  ).errno;
}

/** SIOCDIFADDR of addr on ifname. */
export function delAddr(k: Kernel, ifname: string, addr: number): number {
  return k.ioctl(ROOT, SIOCDIFADDR, encodeIfreq(ifreqWithAddr(ifname, sockaddrIn(addr)))).errno;
}

/** A routing message as route(8) writes it. */
export function rtmsg(type: number, flags: number, addrs: RtAddrs, seq = 1): Uint8Array {
  const m = newRoutingMessage(type, addrs);
  if (m.kind !== "rt") throw new Error("not an rt_msghdr type");
  m.hdr.rtm_flags = flags;
  m.hdr.rtm_seq = seq;
  return encodeRoutingMessage(m);
}

export function u16(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint16(at, true);
}

export function i32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset).getInt32(at, true);
}
