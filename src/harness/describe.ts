// One line per op for people: the ioctl by name with its struct decoded, the sysctl value by
// its type, the routing message in `route monitor` style, the frame tcpdump-style.

import { isDecodeError } from "../abi/decode.ts";
import { decodeIfreq, formatIfFlags, formatIfreq, IFREQ_SIZE } from "../abi/if.ts";
import {
  decodeInAliasreq,
  decodeOInAliasreq,
  formatInAliasreq,
  IN_ALIASREQ_SIZE,
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

/** The ioctl argument decoded by its size, or its hex when it does not decode. */
function describeIoctlData(hex: string): string {
  const bytes = fromHex(hex);
  const decoded =
    bytes.length === IN_ALIASREQ_SIZE
      ? decodeInAliasreq(bytes)
      : bytes.length === OIN_ALIASREQ_SIZE
        ? decodeOInAliasreq(bytes)
        : bytes.length === IFREQ_SIZE
          ? decodeIfreq(bytes)
          : null;
  if (decoded === null || isDecodeError(decoded)) return hex;
  return "ifra_name" in decoded ? formatInAliasreq(decoded) : formatIfreq(decoded);
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
