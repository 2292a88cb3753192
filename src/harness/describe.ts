// One line per op for people: the ioctl by name with its struct decoded, the sysctl value by
// its type, the routing message in `route monitor` style, the frame tcpdump-style.

import { isDecodeError } from "../abi/decode.ts";
import * as IF from "../abi/if.ts";
import { decodeIfreq, formatIfFlags, formatIfreq, IFREQ_SIZE } from "../abi/if.ts";
import {
  decodeInAliasreq,
  decodeOInAliasreq,
  formatInAliasreq,
  IN_ALIASREQ_SIZE,
  ipv4ToString,
  OIN_ALIASREQ_SIZE,
} from "../abi/in.ts";
import { decodeRoutingMessage, formatRoutingMessage } from "../abi/route.ts";
import { ioctlName } from "../abi/sockio.ts";
import { formatFrame } from "../wire/format.ts";
import { fromHex, type Cred, type Op } from "./ops.ts";
import { formatSysctlValue } from "./sysctl-types.ts";

function credText(c: Cred): string {
  if (c.uid === 0 && c.jail === undefined) return "";
  return ` [as uid ${c.uid}${c.jail ? ` in jail ${c.jail.name} (${c.jail.ip4.join(", ")})` : ""}]`;
}

/** An ioctl's struct (in_aliasreq, the 9.x in_aliasreq, ifreq) decoded by its size, field by
 * field; null for other sizes or bytes that do not decode. */
export function decodeIoctlStruct(hex: string): string | null {
  const bytes = fromHex(hex);
  const decoded =
    bytes.length === IN_ALIASREQ_SIZE
      ? decodeInAliasreq(bytes)
      : bytes.length === OIN_ALIASREQ_SIZE
        ? decodeOInAliasreq(bytes)
        : bytes.length === IFREQ_SIZE
          ? decodeIfreq(bytes)
          : null;
  if (decoded === null || isDecodeError(decoded)) return null;
  return "ifra_name" in decoded ? formatInAliasreq(decoded) : formatIfreq(decoded);
}

/**
 * An ifreq's union read the way the command uses it (sys/sockio.h): ifr_addr for the address
 * ioctls, ifr_flags/ifr_flagshigh for the flag ones, ifr_index for SIOCGIFINDEX, the first int
 * (ifr_mtu, ifr_metric, ifr_fib...) for the rest of the integer ones; null when the union is
 * something else.
 */
function ifreqUnion(cmdName: string, ifr: IF.Ifreq): string | null {
  if (/ADDR$|NETMASK$/.test(cmdName)) {
    const a = IF.ifrAddr(ifr);
    return `ifr_addr ${ipv4ToString(a.sin_addr)} (len ${a.sin_len}, family ${a.sin_family})`;
  }
  if (/FLAGS$/.test(cmdName)) return `ifr_flags <${formatIfFlags(IF.ifrFlagsAll(ifr))}>`;
  if (cmdName === "SIOCGIFINDEX") return `ifr_index ${IF.ifrIndex(ifr)}`;
  if (/(MTU|METRIC|FIB|PHYS)$/.test(cmdName)) return `${cmdName.slice(6).toLowerCase()} ${IF.ifrInt(ifr)}`;
  return null;
}

/** What an ioctl copied out, field by field: in_aliasreq by its size, an ifreq's union the way
 * `cmd` uses it; null when the bytes are neither. */
export function decodeCopyout(cmd: number, hex: string): string | null {
  const bytes = fromHex(hex);
  if (bytes.length !== IF.IFREQ_SIZE) return decodeIoctlStruct(hex);
  const ifr = IF.decodeIfreq(bytes);
  if (isDecodeError(ifr)) return null;
  return `ifreq ${ifr.ifr_name} ${ifreqUnion(ioctlName(cmd), ifr) ?? `ifru ${hex.slice(32)}`}`;
}

/** The ioctl argument decoded by its size, or its hex when it does not decode. */
function describeIoctlData(hex: string): string {
  return decodeIoctlStruct(hex) ?? hex;
}

export function describeOp(op: Op): string {
  switch (op.op) {
    case "nic":
      return `nic ${op.name} (${op.driver}${op.mac ? ` ${op.mac}` : ""})`;
    case "module":
      return `kldload ${op.name}`;
    case "ioctl":
      return `ioctl ${ioctlName(op.cmd)} ${describeIoctlData(op.data)}${credText(op.cred)}`;
    case "ifflags":
      return `ifflags ${op.ifname} set <${formatIfFlags(op.set)}> clear <${formatIfFlags(op.clear)}>${credText(op.cred)}`;
    case "sysctl":
      return `sysctl ${op.name}${op.value !== undefined ? ` = ${formatSysctlValue(op.name, op.value)}` : ""}${credText(op.cred)}`;
    case "rtsock_write": {
      const m = decodeRoutingMessage(fromHex(op.msg));
      const text = isDecodeError(m) ? `(undecodable) ${op.msg}` : formatRoutingMessage(m);
      const patches = (op.ifindex ?? []).map((p) => ` [index of ${p.ifname} at byte ${p.at}]`).join("");
      return `rtsock write ${text}${patches}${credText(op.cred)}`;
    }
    case "inject":
      return `inject ${op.ifname} < ${formatFrame(fromHex(op.frame))}`;
    case "sleep":
      return `sleep ${op.seconds}s`;
    case "checkpoint":
      return `checkpoint "${op.label}"`;
    default: {
      const never: never = op;
      throw new Error(`unhandled op ${JSON.stringify(never)}`);
    }
  }
}
