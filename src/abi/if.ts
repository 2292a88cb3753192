// Interface constants and structs of 10.4 sys/net/if.h and sys/net/if_types.h: IFF_* flags,
// IFT_* types, struct ifreq (the 32-byte request most interface ioctls carry) and struct if_data
// (the statistics block inside if_msghdr).

import {
  checkLength,
  getI16,
  getI32,
  getI64,
  getU64,
  hexBytes,
  outputBuffer,
  readCString,
  setU16,
  setU32,
  setU64,
  writeCString,
  type DecodeError,
} from "./decode.ts";
import {
  AF_LINK,
  SOCKADDR_IN_SIZE,
  sockaddrInFromImage,
  sockaddrInImage,
  type SockaddrIn,
} from "./socket.ts";

// 10.4 sys/net/if.h IF_NAMESIZE
export const IF_NAMESIZE = 16;
export const IFNAMSIZ = IF_NAMESIZE;
export const IF_MAXUNIT = 0x7fff;

// 10.4 sys/net/if.h IFF_* ("Interface flags")
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_DEBUG = 0x4;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_SMART = 0x20;
export const IFF_DRV_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;
export const IFF_DRV_OACTIVE = 0x400;
export const IFF_SIMPLEX = 0x800;
export const IFF_LINK0 = 0x1000;
export const IFF_LINK1 = 0x2000;
export const IFF_LINK2 = 0x4000;
export const IFF_ALTPHYS = IFF_LINK2;
export const IFF_MULTICAST = 0x8000;
export const IFF_CANTCONFIG = 0x10000;
export const IFF_PPROMISC = 0x20000;
export const IFF_MONITOR = 0x40000;
export const IFF_STATICARP = 0x80000;
export const IFF_DYING = 0x200000;
export const IFF_RENAMING = 0x400000;
// User-space names of the driver flags (if.h, !_KERNEL).
export const IFF_RUNNING = IFF_DRV_RUNNING;
export const IFF_OACTIVE = IFF_DRV_OACTIVE;

/** if.h IFF_CANTCHANGE: flags SIOCSIFFLAGS cannot change. */
export const IFF_CANTCHANGE =
  IFF_BROADCAST |
  IFF_POINTOPOINT |
  IFF_DRV_RUNNING |
  IFF_DRV_OACTIVE |
  IFF_SIMPLEX |
  IFF_MULTICAST |
  IFF_ALLMULTI |
  IFF_SMART |
  IFF_PROMISC |
  IFF_DYING |
  IFF_CANTCONFIG;

/** Names in the order ifconfig(8) prints them (its IFFBITS string, user-space names). */
const IFF_NAMES: ReadonlyArray<readonly [number, string]> = [
  [IFF_UP, "UP"],
  [IFF_BROADCAST, "BROADCAST"],
  [IFF_DEBUG, "DEBUG"],
  [IFF_LOOPBACK, "LOOPBACK"],
  [IFF_POINTOPOINT, "POINTOPOINT"],
  [IFF_SMART, "SMART"],
  [IFF_DRV_RUNNING, "RUNNING"],
  [IFF_NOARP, "NOARP"],
  [IFF_PROMISC, "PROMISC"],
  [IFF_ALLMULTI, "ALLMULTI"],
  [IFF_DRV_OACTIVE, "OACTIVE"],
  [IFF_SIMPLEX, "SIMPLEX"],
  [IFF_LINK0, "LINK0"],
  [IFF_LINK1, "LINK1"],
  [IFF_LINK2, "LINK2"],
  [IFF_MULTICAST, "MULTICAST"],
  [IFF_CANTCONFIG, "CANTCONFIG"],
  [IFF_PPROMISC, "PPROMISC"],
  [IFF_MONITOR, "MONITOR"],
  [IFF_STATICARP, "STATICARP"],
  [IFF_DYING, "DYING"],
  [IFF_RENAMING, "RENAMING"],
];

/** "UP,BROADCAST,RUNNING" (unknown bits as hex). */
export function formatIfFlags(flags: number): string {
  return formatBits(flags, IFF_NAMES);
}

/** Names set bits from a table, unknown bits as one hex remainder. */
export function formatBits(value: number, table: ReadonlyArray<readonly [number, string]>): string {
  let rest = value >>> 0;
  const out: string[] = [];
  for (const [bit, name] of table) {
    if ((rest & bit) !== 0) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) out.push("0x" + rest.toString(16));
  return out.join(",");
}

// if.h LINK_STATE_*
export const LINK_STATE_UNKNOWN = 0;
export const LINK_STATE_DOWN = 1;
export const LINK_STATE_UP = 2;

// if.h IFAN_* (if_announcemsghdr.ifan_what)
export const IFAN_ARRIVAL = 0;
export const IFAN_DEPARTURE = 1;

// 10.4 sys/net/if_types.h. lo(4) is IFT_LOOP; vtnet(4) and epair(4) attach through
// ether_ifattach and are IFT_ETHER; tun(4) sets IFT_PPP.
export const IFT_OTHER = 0x1;
export const IFT_ETHER = 0x6;
export const IFT_PPP = 0x17;
export const IFT_LOOP = 0x18;
export const IFT_PROPVIRTUAL = 0x35;
export const IFT_L2VLAN = 0x87;
export const IFT_TUNNEL = 0x83;
export const IFT_BRIDGE = 0xd1;
export const IFT_GIF = 0xf0;

// if.h IFCAP_* used by the NIC models (10.4 sys/net/if.h:214-241).
export const IFCAP_RXCSUM = 0x1;
export const IFCAP_TXCSUM = 0x2;
export const IFCAP_VLAN_MTU = 0x8;
export const IFCAP_VLAN_HWTAGGING = 0x10;
export const IFCAP_JUMBO_MTU = 0x20;
export const IFCAP_VLAN_HWCSUM = 0x80;
export const IFCAP_TSO4 = 0x100;
export const IFCAP_TSO6 = 0x200;
export const IFCAP_LRO = 0x400;
export const IFCAP_VLAN_HWFILTER = 0x10000;
export const IFCAP_VLAN_HWTSO = 0x40000;
export const IFCAP_LINKSTATE = 0x80000;
export const IFCAP_RXCSUM_IPV6 = 0x200000;
export const IFCAP_TXCSUM_IPV6 = 0x400000;
export const IFCAP_HWCSUM = IFCAP_RXCSUM | IFCAP_TXCSUM;

// ---------------------------------------------------------------------------------------------
// struct ifreq (10.4 sys/net/if.h): ifr_name[IFNAMSIZ] then a 16-byte union (sockaddr, ifreq_buffer
// of size_t + pointer, short[2], int, caddr_t...) — 32 bytes on amd64.

export const IFREQ_SIZE = 32;
export const IFREQ_OFFSETS = {
  ifr_name: 0,
  ifr_ifru: 16,
  ifr_addr: 16,
  ifr_flags: 16,
  ifr_flagshigh: 18,
  ifr_index: 16,
  ifr_metric: 16,
  ifr_mtu: 16,
  ifr_phys: 16,
  ifr_media: 16,
  ifr_reqcap: 16,
  ifr_curcap: 20,
  ifr_fib: 16,
  ifr_jid: 16,
  ifr_data: 16,
} as const;
export const IFRU_SIZE = 16;

export interface Ifreq {
  ifr_name: string;
  /** The union, raw; use the ifr* views below to read or build it. */
  ifr_ifru: Uint8Array;
}

export function decodeIfreq(bytes: Uint8Array, offset = 0): Ifreq | DecodeError {
  const short = checkLength("ifreq", bytes, offset, IFREQ_SIZE);
  if (short !== null) return short;
  return {
    ifr_name: readCString(bytes, offset, IFNAMSIZ),
    ifr_ifru: bytes.slice(offset + IFREQ_OFFSETS.ifr_ifru, offset + IFREQ_SIZE),
  };
}

export function encodeIfreq(ifr: Ifreq, into?: Uint8Array, offset = 0): Uint8Array {
  const out = outputBuffer("ifreq", IFREQ_SIZE, into, offset);
  writeCString(out, offset, IFNAMSIZ, ifr.ifr_name);
  out.fill(0, offset + IFREQ_OFFSETS.ifr_ifru, offset + IFREQ_SIZE);
  out.set(ifr.ifr_ifru.subarray(0, IFRU_SIZE), offset + IFREQ_OFFSETS.ifr_ifru);
  return out;
}

/** A fresh zeroed ifr_ifru, filled in by `fill`. */
function ifruWith(fill: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(IFRU_SIZE);
  fill(b);
  return b;
}

/** An ifreq carrying a sockaddr_in (SIOCSIFADDR, SIOCDIFADDR, SIOCSIFNETMASK...). */
export function ifreqWithAddr(name: string, sin: SockaddrIn): Ifreq {
  return { ifr_name: name, ifr_ifru: sockaddrInImage(sin) };
}

/**
 * An ifreq carrying a link-level address in ifr_addr (SIOCSIFLLADDR), as ifconfig's `ether`
 * writes it: sa_len the address length, sa_family AF_LINK, the address in sa_data.
 */
export function ifreqWithLladdr(name: string, lladdr: Uint8Array): Ifreq {
  return {
    ifr_name: name,
    ifr_ifru: ifruWith((b) => {
      b[0] = lladdr.length;
      b[1] = AF_LINK;
      b.set(lladdr.subarray(0, IFRU_SIZE - 2), 2);
    }),
  };
}

/** An ifreq carrying 32-bit flags split as the kernel reads them: low half, high half. */
export function ifreqWithFlags(name: string, flags: number): Ifreq {
  return {
    ifr_name: name,
    ifr_ifru: ifruWith((b) => {
      setU16(b, 0, flags);
      setU16(b, 2, flags >> 16);
    }),
  };
}

/** An ifreq carrying one int (ifr_metric, ifr_mtu, ifr_phys, ifr_media, ifr_fib, ifr_jid). */
export function ifreqWithInt(name: string, value: number): Ifreq {
  return { ifr_name: name, ifr_ifru: ifruWith((b) => setU32(b, 0, value)) };
}

/** An ifreq with a zeroed union (the kernel fills it, e.g. SIOCGIFADDR). */
export function ifreqEmpty(name: string): Ifreq {
  return { ifr_name: name, ifr_ifru: new Uint8Array(IFRU_SIZE) };
}

/** ifr_addr, read as a sockaddr_in (its first 16 bytes, sin_len as written). */
export function ifrAddr(ifr: Ifreq): SockaddrIn {
  return sockaddrInFromImage(ifr.ifr_ifru.subarray(0, SOCKADDR_IN_SIZE));
}

/** ifr_flags (short, sign-extended as C reads it). */
export function ifrFlags(ifr: Ifreq): number {
  return getI16(ifr.ifr_ifru, 0);
}

/** ifr_flagshigh (short). */
export function ifrFlagshigh(ifr: Ifreq): number {
  return getI16(ifr.ifr_ifru, 2);
}

/** The 32-bit flags as if.c combines them: (ifr_flags & 0xffff) | (ifr_flagshigh << 16). */
export function ifrFlagsAll(ifr: Ifreq): number {
  return ((ifrFlags(ifr) & 0xffff) | (ifrFlagshigh(ifr) << 16)) >>> 0;
}

/** The union's first int: ifr_metric, ifr_mtu, ifr_phys, ifr_media, ifr_jid. */
export function ifrInt(ifr: Ifreq): number {
  return getI32(ifr.ifr_ifru, 0);
}

export const ifrMetric = ifrInt;
export const ifrMtu = ifrInt;

/** ifr_curcap (int), next to ifr_reqcap in the union (SIOCGIFCAP). */
export function ifrCurcap(ifr: Ifreq): number {
  return getI32(ifr.ifr_ifru, IFREQ_OFFSETS.ifr_curcap - IFREQ_OFFSETS.ifr_ifru);
}

/** ifr_index (short). */
export function ifrIndex(ifr: Ifreq): number {
  return getI16(ifr.ifr_ifru, 0);
}

export function formatIfreq(ifr: Ifreq): string {
  return `ifreq ${ifr.ifr_name} ifru ${hexBytes(ifr.ifr_ifru)}`;
}

// ---------------------------------------------------------------------------------------------
// struct if_data (10.4 sys/net/if.h) on amd64: eight u_char, then u_long statistics, uint64_t
// ifi_hwassist, time_t ifi_epoch, struct timeval ifi_lastchange — 152 bytes. (_IFI_OQDROPS is
// not defined for it in 10.4, so ifi_oqdrops is absent.)

export const IF_DATA_SIZE = 152;
export const IF_DATA_OFFSETS = {
  ifi_type: 0,
  ifi_physical: 1,
  ifi_addrlen: 2,
  ifi_hdrlen: 3,
  ifi_link_state: 4,
  ifi_vhid: 5,
  ifi_baudrate_pf: 6,
  ifi_datalen: 7,
  ifi_mtu: 8,
  ifi_metric: 16,
  ifi_baudrate: 24,
  ifi_ipackets: 32,
  ifi_ierrors: 40,
  ifi_opackets: 48,
  ifi_oerrors: 56,
  ifi_collisions: 64,
  ifi_ibytes: 72,
  ifi_obytes: 80,
  ifi_imcasts: 88,
  ifi_omcasts: 96,
  ifi_iqdrops: 104,
  ifi_noproto: 112,
  ifi_hwassist: 120,
  ifi_epoch: 128,
  ifi_lastchange: 136,
} as const;

/** The u_char fields (the first eight bytes). */
type IfDataByte =
  | "ifi_type"
  | "ifi_physical"
  | "ifi_addrlen"
  | "ifi_hdrlen"
  | "ifi_link_state"
  | "ifi_vhid"
  | "ifi_baudrate_pf"
  | "ifi_datalen";

/** The longs before ifi_lastchange: u_long, uint64_t ifi_hwassist, time_t ifi_epoch. */
type IfDataLong = Exclude<keyof typeof IF_DATA_OFFSETS, IfDataByte | "ifi_lastchange">;

/** The u_char fields are numbers; every long (u_long, time_t, timeval) a bigint, so any value round-trips. */
export type IfData = Record<IfDataByte, number> &
  Record<IfDataLong, bigint> & {
    ifi_lastchange: { tv_sec: bigint; tv_usec: bigint };
  };

/** All zeros. Written out field by field: every ifnet starts from one, and a literal of one
 * fixed shape is far cheaper to make than one filled in a key at a time. */
export function emptyIfData(): IfData {
  return {
    ifi_lastchange: { tv_sec: 0n, tv_usec: 0n },
    ifi_type: 0,
    ifi_physical: 0,
    ifi_addrlen: 0,
    ifi_hdrlen: 0,
    ifi_link_state: 0,
    ifi_vhid: 0,
    ifi_baudrate_pf: 0,
    ifi_datalen: 0,
    ifi_mtu: 0n,
    ifi_metric: 0n,
    ifi_baudrate: 0n,
    ifi_ipackets: 0n,
    ifi_ierrors: 0n,
    ifi_opackets: 0n,
    ifi_oerrors: 0n,
    ifi_collisions: 0n,
    ifi_ibytes: 0n,
    ifi_obytes: 0n,
    ifi_imcasts: 0n,
    ifi_omcasts: 0n,
    ifi_iqdrops: 0n,
    ifi_noproto: 0n,
    ifi_hwassist: 0n,
    ifi_epoch: 0n,
  };
}

// Field by field, in emptyIfData's key order: every RTM_IFINFO and iflist entry carries one.
// time_t ifi_epoch and the timeval are signed longs; the rest are u_long or uint64_t.

export function decodeIfData(bytes: Uint8Array, offset = 0): IfData | DecodeError {
  const short = checkLength("if_data", bytes, offset, IF_DATA_SIZE);
  if (short !== null) return short;
  const o = offset;
  const at = IF_DATA_OFFSETS;
  return {
    ifi_lastchange: {
      tv_sec: getI64(bytes, o + at.ifi_lastchange),
      tv_usec: getI64(bytes, o + at.ifi_lastchange + 8),
    },
    ifi_type: bytes[o + at.ifi_type],
    ifi_physical: bytes[o + at.ifi_physical],
    ifi_addrlen: bytes[o + at.ifi_addrlen],
    ifi_hdrlen: bytes[o + at.ifi_hdrlen],
    ifi_link_state: bytes[o + at.ifi_link_state],
    ifi_vhid: bytes[o + at.ifi_vhid],
    ifi_baudrate_pf: bytes[o + at.ifi_baudrate_pf],
    ifi_datalen: bytes[o + at.ifi_datalen],
    ifi_mtu: getU64(bytes, o + at.ifi_mtu),
    ifi_metric: getU64(bytes, o + at.ifi_metric),
    ifi_baudrate: getU64(bytes, o + at.ifi_baudrate),
    ifi_ipackets: getU64(bytes, o + at.ifi_ipackets),
    ifi_ierrors: getU64(bytes, o + at.ifi_ierrors),
    ifi_opackets: getU64(bytes, o + at.ifi_opackets),
    ifi_oerrors: getU64(bytes, o + at.ifi_oerrors),
    ifi_collisions: getU64(bytes, o + at.ifi_collisions),
    ifi_ibytes: getU64(bytes, o + at.ifi_ibytes),
    ifi_obytes: getU64(bytes, o + at.ifi_obytes),
    ifi_imcasts: getU64(bytes, o + at.ifi_imcasts),
    ifi_omcasts: getU64(bytes, o + at.ifi_omcasts),
    ifi_iqdrops: getU64(bytes, o + at.ifi_iqdrops),
    ifi_noproto: getU64(bytes, o + at.ifi_noproto),
    ifi_hwassist: getU64(bytes, o + at.ifi_hwassist),
    ifi_epoch: getI64(bytes, o + at.ifi_epoch),
  };
}

export function encodeIfData(d: IfData, into?: Uint8Array, offset = 0): Uint8Array {
  const out = outputBuffer("if_data", IF_DATA_SIZE, into, offset);
  const o = offset;
  const at = IF_DATA_OFFSETS;
  out[o + at.ifi_type] = d.ifi_type;
  out[o + at.ifi_physical] = d.ifi_physical;
  out[o + at.ifi_addrlen] = d.ifi_addrlen;
  out[o + at.ifi_hdrlen] = d.ifi_hdrlen;
  out[o + at.ifi_link_state] = d.ifi_link_state;
  out[o + at.ifi_vhid] = d.ifi_vhid;
  out[o + at.ifi_baudrate_pf] = d.ifi_baudrate_pf;
  out[o + at.ifi_datalen] = d.ifi_datalen;
  setU64(out, o + at.ifi_mtu, d.ifi_mtu);
  setU64(out, o + at.ifi_metric, d.ifi_metric);
  setU64(out, o + at.ifi_baudrate, d.ifi_baudrate);
  setU64(out, o + at.ifi_ipackets, d.ifi_ipackets);
  setU64(out, o + at.ifi_ierrors, d.ifi_ierrors);
  setU64(out, o + at.ifi_opackets, d.ifi_opackets);
  setU64(out, o + at.ifi_oerrors, d.ifi_oerrors);
  setU64(out, o + at.ifi_collisions, d.ifi_collisions);
  setU64(out, o + at.ifi_ibytes, d.ifi_ibytes);
  setU64(out, o + at.ifi_obytes, d.ifi_obytes);
  setU64(out, o + at.ifi_imcasts, d.ifi_imcasts);
  setU64(out, o + at.ifi_omcasts, d.ifi_omcasts);
  setU64(out, o + at.ifi_iqdrops, d.ifi_iqdrops);
  setU64(out, o + at.ifi_noproto, d.ifi_noproto);
  setU64(out, o + at.ifi_hwassist, d.ifi_hwassist);
  setU64(out, o + at.ifi_epoch, d.ifi_epoch);
  setU64(out, o + at.ifi_lastchange, d.ifi_lastchange.tv_sec);
  setU64(out, o + at.ifi_lastchange + 8, d.ifi_lastchange.tv_usec);
  return out;
}
