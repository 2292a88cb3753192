// Shared set-up for the lltable and ARP tests: a booted Kernel with an Ethernet NIC, frames in
// and out, `arp -s`/`arp -d` as routing messages, and the NET_RT_FLAGS/RTF_LLINFO dump read back
// with offsets taken from FreeBSD's amd64 headers (independent of src/abi's decoder).

import { expect } from "vitest";
import { encodeInAliasreq, inAliasreq } from "../../../src/abi/in.ts";
import { IFT_ETHER } from "../../../src/abi/if.ts";
import * as RT from "../../../src/abi/route.ts";
import { sockaddrDl, sockaddrIn, SOCKADDR_DL_SIZE, type SockaddrIn } from "../../../src/abi/socket.ts";
import { SIOCAIFADDR, SIOCDIFADDR } from "../../../src/abi/sockio.ts";
import { nic_inject, type NicDriver } from "../../../src/kernel/dev/attach.ts";
import type { Ucred } from "../../../src/kernel/kern/cred.ts";
import { msgbuf, type LogLine } from "../../../src/kernel/kern/syslog.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { ifunit } from "../../../src/kernel/net/if.ts";
import { lltable_refcheck } from "../../../src/kernel/net/if_llatbl.ts";
import type { ifnet } from "../../../src/kernel/net/if_var.ts";
import { VNET } from "../../../src/kernel/net/vnet.ts";
import { arp_vnet, type arpstat } from "../../../src/kernel/netinet/if_ether.ts";
import { mac } from "../../../src/wire/addr.ts";

export const ROOT = Kernel.root();

/** Our NIC's address and two neighbours on the same wire. */
export const MAC_US = mac("02:00:00:00:00:01");
export const MAC_B = mac("02:00:00:00:00:0b");
export const MAC_C = mac("02:00:00:00:00:0c");
/** 198.51.100.0/24, the prefix FreeBSD's tests/sys/netinet/arp.sh uses. */
export const IP_US = 0xc6336401; // 198.51.100.1
export const IP_B = 0xc6336402; // 198.51.100.2
export const IP_C = 0xc6336403; // 198.51.100.3
export const MASK24 = 0xffffff00;

export { ip } from "./helpers.ts";

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** `ifconfig NAME inet ADDR/MASK` (SIOCAIFADDR) — the errno. */
export function ifconfig(k: Kernel, ifname: string, addr: number, mask = MASK24): number {
  const none: SockaddrIn = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };
  const req = encodeInAliasreq(inAliasreq(ifname, sockaddrIn(addr), sockaddrIn(mask), none));
  return k.ioctl(ROOT, SIOCAIFADDR, req).errno;
}

/** `ifconfig NAME inet ADDR -alias` (SIOCDIFADDR with an ifreq) — the errno. */
export function ifconfigDelete(k: Kernel, ifname: string, addr: number): number {
  const ifr = new Uint8Array(32);
  ifr.set(new TextEncoder().encode(ifname));
  ifr[16] = 16; // sin_len
  ifr[17] = 2; // AF_INET
  new DataView(ifr.buffer).setUint32(20, addr >>> 0, false);
  return k.ioctl(ROOT, SIOCDIFADDR, ifr).errno;
}

export interface Host {
  k: Kernel;
  ifname: string;
  ifp: ifnet;
}

/** A fresh Kernel with `ifname` attached (MAC_US) and, unless addr is null, configured. */
export function host(opts: { driver?: NicDriver; ifname?: string; addr?: number | null } = {}): Host {
  const k = new Kernel();
  const ifname = opts.ifname ?? "vtnet0";
  const driver = opts.driver ?? "vtnet";
  const mac = [...MAC_US].map((x) => x.toString(16).padStart(2, "0")).join(":");
  expect(k.attachNic(driver, ifname, driver === "tun" ? undefined : mac)).toBe(0);
  const addr = opts.addr === undefined ? IP_US : opts.addr;
  if (addr !== null) expect(ifconfig(k, ifname, addr)).toBe(0);
  const ifp = k.run(() => ifunit(ifname));
  if (ifp === null) throw new Error(`${ifname} missing after attach`);
  return { k, ifname, ifp };
}

/** Frames the NICs transmitted since the last call (hex), optionally only from `ifname`. */
export function sent(k: Kernel, ifname?: string): string[] {
  const all = k.frames.transmitted.splice(0);
  return all.filter((f) => ifname === undefined || f.ifname === ifname).map((f) => hex(f.frame));
}

export function inject(k: Kernel, ifname: string, frame: Uint8Array): void {
  expect(k.run(() => nic_inject(ifname, frame))).toBe(0);
}

/**
 * An Ethernet frame carrying an ARP packet, built by hand per 10.4 net/if_arp.h struct arphdr
 * (ar_hrd, ar_pro, ar_hln, ar_pln, ar_op, then sha, spa, tha, tpa) and net/ethernet.h.
 */
export function arpFrame(a: {
  op: number;
  sha: Uint8Array;
  spa: number;
  tha?: Uint8Array;
  tpa: number;
  dst?: Uint8Array;
  src?: Uint8Array;
  hrd?: number;
  pro?: number;
}): Uint8Array {
  const f = new Uint8Array(14 + 28);
  const v = new DataView(f.buffer);
  f.set(a.dst ?? new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0);
  f.set(a.src ?? a.sha, 6);
  v.setUint16(12, 0x0806, false);
  v.setUint16(14, a.hrd ?? 1, false);
  v.setUint16(16, a.pro ?? 0x0800, false);
  f[18] = 6;
  f[19] = 4;
  v.setUint16(20, a.op, false);
  f.set(a.sha, 22);
  v.setUint32(28, a.spa >>> 0, false);
  f.set(a.tha ?? new Uint8Array(6), 32);
  v.setUint32(38, a.tpa >>> 0, false);
  return f;
}

/** `arp -s ADDR MAC [pub]` as arp(8) writes it: RTM_ADD, HOST|STATIC|LLDATA, RTV_EXPIRE 0. */
export function arpSet(
  k: Kernel,
  ifp: ifnet,
  addr: number,
  lladdr: Uint8Array,
  opts: { pub?: boolean; expire?: number } = {},
): number {
  const gateway = sockaddrDl({ index: ifp.if_index, type: IFT_ETHER, lladdr, len: SOCKADDR_DL_SIZE });
  const msg = RT.newRoutingMessage(RT.RTM_ADD, { dst: sockaddrIn(addr), gateway });
  if (msg.kind !== "rt") throw new Error("not an rt message");
  // route.h: RTF_ANNOUNCE is RTF_PROTO2, what arp(8) sets for "pub".
  msg.hdr.rtm_flags = (RT.RTF_HOST | RT.RTF_STATIC | RT.RTF_LLDATA | (opts.pub ? RT.RTF_PROTO2 : 0)) >>> 0;
  msg.hdr.rtm_inits = BigInt(RT.RTV_EXPIRE);
  msg.hdr.rtm_rmx.rmx_expire = BigInt(opts.expire ?? 0);
  return routeWrite(k, RT.encodeRoutingMessage(msg));
}

/** A routing message of `type` with RTF_LLDATA for `addr` and `ifp`'s sockaddr_dl. */
export function arpMsg(k: Kernel, type: number, ifindex: number, addr: number): number {
  const gateway = sockaddrDl({ index: ifindex, type: IFT_ETHER, len: SOCKADDR_DL_SIZE });
  const msg = RT.newRoutingMessage(type, { dst: sockaddrIn(addr), gateway });
  if (msg.kind !== "rt") throw new Error("not an rt message");
  msg.hdr.rtm_flags = (RT.RTF_HOST | RT.RTF_LLDATA) >>> 0;
  return routeWrite(k, RT.encodeRoutingMessage(msg));
}

/** `arp -d ADDR`: RTM_DELETE with RTF_LLDATA and the entry's interface. */
export function arpDelete(k: Kernel, ifp: ifnet, addr: number): number {
  return arpMsg(k, RT.RTM_DELETE, ifp.if_index, addr);
}

function routeWrite(k: Kernel, bytes: Uint8Array): number {
  const so = k.routeSocketOpen();
  const error = so.write(ROOT, bytes);
  so.close();
  return error;
}

/** One entry of the NET_RT_FLAGS/RTF_LLINFO dump. */
export interface ArpEntry {
  msglen: number;
  version: number;
  type: number;
  index: number;
  flags: number;
  addrs: number;
  expire: number;
  addr: string;
  sinLen: number;
  sdlLen: number;
  sdlIndex: number;
  sdlType: number;
  lladdr: string;
}

/**
 * sysctl {CTL_NET, PF_ROUTE, 0, AF_INET, NET_RT_FLAGS, RTF_LLINFO}, what `arp -an` reads, split
 * at rtm_msglen. amd64 offsets: route.h rt_msghdr (msglen u16 @0, version @2, type @3, index
 * u16 @4, flags @8, addrs @12, rtm_rmx @40 with rmx_expire the 4th u_long @64), then the
 * seed's in_lltable_dump struct: sockaddr_in @152, sockaddr_dl @168 (if_dl.h: index u16 @2,
 * type @4, nlen @5, alen @6, data @8).
 */
export function arpDump(k: Kernel, cred: Ucred = ROOT): ArpEntry[] {
  const r = k.sysctl(cred, [4, 17, 0, 2, 2, 0x400]);
  expect(r.errno).toBe(0);
  const b = r.out;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: ArpEntry[] = [];
  for (let at = 0; at < b.length;) {
    const msglen = v.getUint16(at, true);
    const sdl = at + 168;
    const nlen = b[sdl + 5];
    const alen = b[sdl + 6];
    const a = v.getUint32(at + 156, false);
    out.push({
      msglen,
      version: b[at + 2],
      type: b[at + 3],
      index: v.getUint16(at + 4, true),
      flags: v.getInt32(at + 8, true),
      addrs: v.getInt32(at + 12, true),
      expire: Number(v.getBigUint64(at + 64, true)),
      addr: `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`,
      sinLen: b[at + 152],
      sdlLen: b[sdl],
      sdlIndex: v.getUint16(sdl + 2, true),
      sdlType: b[sdl + 4],
      lladdr: Array.from(b.subarray(sdl + 8 + nlen, sdl + 8 + nlen + alen), (x) =>
        x.toString(16).padStart(2, "0"),
      ).join(":"),
    });
    if (msglen === 0) throw new Error("zero rtm_msglen in dump");
    at += msglen;
  }
  return out;
}

export function arpEntry(k: Kernel, addr: string): ArpEntry | undefined {
  return arpDump(k).find((e) => e.addr === addr);
}

/** log(9) lines since the last call, as "pri msg". */
export function logs(k: Kernel): string[] {
  return k.run(() => VNET(msgbuf).splice(0)).map((l: LogLine) => `${l.pri} ${l.msg}`);
}

export function stats(k: Kernel): arpstat {
  return k.run(() => ({ ...arp_vnet().arpstat }));
}

export function setSysctl(k: Kernel, name: string, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  expect(k.sysctl(ROOT, name, b).errno).toBe(0);
}

export function getSysctl(k: Kernel, name: string): number {
  const r = k.sysctl(ROOT, name);
  expect(r.errno).toBe(0);
  return new DataView(r.out.buffer, r.out.byteOffset, 4).getInt32(0, true);
}

/** Reference counts of every entry balanced, and the rest of the twin's audit clean. */
export function expectBalanced(k: Kernel): void {
  expect(k.run(() => lltable_refcheck())).toEqual([]);
  expect(k.checkInvariants()).toEqual([]);
}
