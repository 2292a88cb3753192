// The types of the sysctls the suites and the twin use, as FreeBSD 10.4 declares them
// (SYSCTL_INT is a C int, SYSCTL_UINT an unsigned int, SYSCTL_ULONG an unsigned long, 8 bytes on
// amd64; a SYSCTL_PROC's format "I" is an int), so values read back decode by meaning: 1, not
// 0x01000000. Sources are 10.4's sys/ tree, file:line of the declaration.

export type SysctlType = "int" | "uint" | "long" | "ulong" | "string" | "struct";

export interface SysctlInfo {
  type: SysctlType;
  /** The struct's name for "struct" sysctls. */
  struct?: string;
  source: string;
}

const int = (source: string): SysctlInfo => ({ type: "int", source });

export const SYSCTL_TYPES: Readonly<Record<string, SysctlInfo>> = {
  "net.inet.ip.no_same_prefix": int("sys/netinet/in.c:81 SYSCTL_VNET_INT"),
  "net.inet.ip.check_interface": int("sys/netinet/ip_input.c:138 SYSCTL_VNET_INT"),
  "net.inet.ip.rtexpire": int("sys/netinet/in_rmx.c:126 SYSCTL_VNET_INT"),
  "net.inet.ip.rtminexpire": int("sys/netinet/in_rmx.c:133 SYSCTL_VNET_INT"),
  "net.inet.ip.rtmaxcache": int("sys/netinet/in_rmx.c:140 SYSCTL_VNET_INT"),
  "net.link.ether.inet.max_age": int("sys/netinet/if_ether.c:107 SYSCTL_VNET_INT"),
  "net.link.ether.inet.maxtries": int("sys/netinet/if_ether.c:110 SYSCTL_VNET_INT"),
  "net.link.ether.inet.useloopback": int("sys/netinet/if_ether.c:113 SYSCTL_VNET_INT"),
  "net.link.ether.inet.proxyall": int("sys/netinet/if_ether.c:116 SYSCTL_VNET_INT"),
  "net.link.ether.inet.wait": int("sys/netinet/if_ether.c:119 SYSCTL_VNET_INT"),
  "net.link.ether.inet.maxhold": int("sys/netinet/if_ether.c:124 SYSCTL_VNET_INT"),
  "net.link.ether.inet.garp_rexmit_count": int('sys/netinet/if_ether.c:144 SYSCTL_PROC CTLTYPE_INT "I"'),
  "net.link.ether.inet.log_arp_wrong_iface": int("sys/netinet/if_ether.c:565 SYSCTL_INT"),
  "net.link.ether.inet.log_arp_movements": int("sys/netinet/if_ether.c:568 SYSCTL_INT"),
  "net.link.ether.inet.log_arp_permanent_modify": int("sys/netinet/if_ether.c:571 SYSCTL_INT"),
  "net.link.ether.inet.allow_multicast": int("sys/netinet/if_ether.c:574 SYSCTL_INT"),
  "net.link.ether.inet.max_log_per_second": int("sys/netinet/if_ether.c:576 SYSCTL_INT"),
  "net.link.ether.arp.stats": {
    type: "struct",
    struct: "arpstat",
    source: "sys/netinet/if_ether.c:122 SYSCTL_VNET_PCPUSTAT",
  },
  "net.inet.igmp.sendlocal": int("sys/netinet/igmp.c:259 SYSCTL_VNET_INT"),
  "net.inet.icmp.icmplim": int("sys/netinet/ip_icmp.c:79 SYSCTL_VNET_INT"),
  "net.inet.icmp.maskrepl": int("sys/netinet/ip_icmp.c:101 SYSCTL_VNET_INT"),
  "net.inet.icmp.maskfake": { type: "uint", source: "sys/netinet/ip_icmp.c:107 SYSCTL_VNET_UINT" },
  "net.inet.icmp.reply_src": { type: "string", source: "sys/netinet/ip_icmp.c:121 SYSCTL_VNET_STRING" },
  "net.inet.icmp.reply_from_interface": int("sys/netinet/ip_icmp.c:127 SYSCTL_VNET_INT"),
  "net.inet.icmp.quotelen": int("sys/netinet/ip_icmp.c:133 SYSCTL_VNET_INT"),
  "net.inet.icmp.bmcastecho": int("sys/netinet/ip_icmp.c:142 SYSCTL_VNET_INT"),
  "net.inet.icmp.tstamprepl": int("sys/netinet/ip_icmp.c:148 SYSCTL_INT"),
  "net.inet.icmp.drop_redirect": int('sys/netinet/ip_icmp.c:189 SYSCTL_VNET_PROC CTLTYPE_INT "I"'),
  "net.inet.udp.blackhole": int("sys/netinet/udp_usrreq.c:123 SYSCTL_VNET_INT"),
  "net.inet.udp.maxdgram": { type: "ulong", source: "sys/netinet/udp_usrreq.c:129 SYSCTL_ULONG" },
};

const SIZE: Partial<Record<SysctlType, number>> = { int: 4, uint: 4, long: 8, ulong: 8 };

/** A numeric sysctl's value from its bytes (little-endian, amd64), or undefined when `hex` is
 * not one value of that type. */
export function sysctlNumber(type: SysctlType, hex: string): number | bigint | undefined {
  const b = Buffer.from(hex, "hex");
  if (b.length !== SIZE[type]) return undefined;
  switch (type) {
    case "int":
      return b.readInt32LE(0);
    case "uint":
      return b.readUInt32LE(0);
    case "long":
      return b.readBigInt64LE(0);
    case "ulong":
      return b.readBigUInt64LE(0);
    default:
      return undefined;
  }
}

/** "1 (int, hex 01000000)": the value by the sysctl's type with its bytes beside it; only the
 * hex for a name not in the table or bytes that are not one value of its type. */
export function formatSysctlValue(name: string, hex: string): string {
  const info = Object.hasOwn(SYSCTL_TYPES, name) ? SYSCTL_TYPES[name] : undefined;
  const raw = `hex ${hex || "(empty)"}`;
  if (info === undefined) return raw;
  if (info.type === "string") {
    const b = Buffer.from(hex, "hex");
    const end = b.indexOf(0);
    return `${JSON.stringify(b.subarray(0, end < 0 ? b.length : end).toString("latin1"))} (string, ${raw})`;
  }
  if (info.type === "struct") return `struct ${info.struct ?? ""}, ${hex.length / 2} bytes (${raw})`;
  const n = sysctlNumber(info.type, hex);
  return n === undefined ? `${raw} (not one ${info.type})` : `${n} (${info.type}, ${raw})`;
}
