// Route steps → one routing-socket message, laid out as route(8) and arp(8) of 10.x write it,
// encoded by src/abi. Interface indices are left for the backend to patch (see Op rtsock_write).
//
//  - `route add|delete DST[/LEN] [GW]`: flags UP|STATIC (+GATEWAY with a gateway, +HOST without
//    a prefix or with /32); DST, GATEWAY, and NETMASK when not a host route.
//  - `arp -s ADDR MAC` (lladdr + ifname): RTM_ADD, flags HOST|STATIC|LLDATA, rtm_inits
//    RTV_EXPIRE with expire 0 (permanent); DST and a sockaddr_dl GATEWAY of the interface. arp(8)
//    learns that interface's index with an RTM_GET first; here the backend patches it in.
//  - `arp -d ADDR` (RTM_DELETE + ifname): arp(8) resends its RTM_GET reply as RTM_DELETE with
//    LLDATA added; this keeps what lla_rt_output reads of it: DST and the sockaddr_dl's index.

import { IFT_ETHER } from "../abi/if.ts";
import { parseIpv4, prefixToMask } from "../abi/in.ts";
import * as RT from "../abi/route.ts";
import { AF_INET, SOCKADDR_DL_SIZE, sockaddrDl, SOCKADDR_IN_SIZE, type SockaddrIn } from "../abi/socket.ts";
import { mac } from "../wire/addr.ts";
import { toHex } from "./ops.ts";
import { ifnameOf, type Step } from "./program.ts";
import { StepFieldError } from "./step-error.ts";

type RouteStep = Extract<Step, { op: "route" }>;

export interface LoweredRoute {
  msg: string;
  ifindex?: { at: number; ifname: string }[];
}

const RTM_TYPES = {
  RTM_ADD: RT.RTM_ADD,
  RTM_DELETE: RT.RTM_DELETE,
  RTM_CHANGE: RT.RTM_CHANGE,
  RTM_GET: RT.RTM_GET,
};

function sin(addr: number): SockaddrIn {
  return { sin_len: SOCKADDR_IN_SIZE, sin_family: AF_INET, sin_port: 0, sin_addr: addr >>> 0 };
}

/** RTF_ names ("STATIC" or "RTF_STATIC") → bits, via the constants src/abi/route.ts exports. */
function rtFlagBits(names: readonly string[], field: string): number {
  let bits = 0;
  for (const n of names) {
    const v = (RT as Record<string, unknown>)[n.startsWith("RTF_") ? n : `RTF_${n}`];
    if (typeof v !== "number")
      throw new StepFieldError(field, `unknown route flag "${n}" (RTF_STATIC, RTF_BLACKHOLE, ...)`);
    bits |= v;
  }
  return bits >>> 0;
}

export function lowerRoute(step: RouteStep): LoweredRoute {
  if (step.hex !== undefined) {
    const typed = (["type", "dst", "gateway", "lladdr", "ifname", "flags"] as const).find(
      (k) => step[k] !== undefined,
    );
    if (typed !== undefined)
      throw new StepFieldError(typed, "hex is the whole message; drop the typed fields");
    return { msg: step.hex };
  }
  if (step.type === undefined)
    throw new StepFieldError(
      "type",
      "required (RTM_ADD, RTM_DELETE, RTM_CHANGE, RTM_GET) unless hex is given",
    );
  if (step.dst === undefined) throw new StepFieldError("dst", "required unless hex is given");
  const [addrText, lenText] = step.dst.split("/");
  const dst = parseIpv4(addrText) ?? 0;
  const prefix = lenText === undefined ? 32 : Number(lenText);
  const extra = rtFlagBits(step.flags ?? [], "flags");
  const type = RTM_TYPES[step.type];

  if (step.lladdr !== undefined || (step.ifname !== undefined && step.gateway === undefined)) {
    return lowerLlRoute(step, type, dst, extra);
  }
  if (step.lladdr === undefined && step.ifname !== undefined) {
    throw new StepFieldError(
      "ifname",
      "names the interface of an ARP entry (with lladdr, or for arp -d); drop it for a gateway route",
    );
  }
  const host = prefix === 32;
  const msg = RT.newRoutingMessage(type, {
    dst: sin(dst),
    ...(step.gateway !== undefined && { gateway: sin(parseIpv4(step.gateway) ?? 0) }),
    ...(!host && { netmask: sin(prefixToMask(prefix)) }),
  });
  if (msg.kind !== "rt") throw new Error("newRoutingMessage gave a non-rt header for an RTM_ route type");
  msg.hdr.rtm_flags =
    (RT.RTF_UP |
      RT.RTF_STATIC |
      (step.gateway !== undefined ? RT.RTF_GATEWAY : 0) |
      (host ? RT.RTF_HOST : 0) |
      extra) >>>
    0;
  return { msg: toHex(RT.encodeRoutingMessage(msg)) };
}

function lowerLlRoute(step: RouteStep, type: number, dst: number, extra: number): LoweredRoute {
  if (step.ifname === undefined)
    throw new StepFieldError("ifname", "an ARP entry (lladdr) needs the interface it lives on");
  if (step.dst?.includes("/"))
    throw new StepFieldError("dst", "an ARP entry is for one address, without /len");
  const adding = step.lladdr !== undefined;
  const gateway = sockaddrDl({
    index: 0,
    type: IFT_ETHER,
    ...(adding && { lladdr: mac(step.lladdr ?? "") }),
    len: SOCKADDR_DL_SIZE,
  });
  const msg = RT.newRoutingMessage(type, { dst: sin(dst), gateway });
  if (msg.kind !== "rt") throw new Error("newRoutingMessage gave a non-rt header for an RTM_ route type");
  msg.hdr.rtm_flags =
    ((adding ? RT.RTF_HOST | RT.RTF_STATIC | RT.RTF_LLDATA : RT.RTF_HOST | RT.RTF_LLDATA) | extra) >>> 0;
  if (adding) msg.hdr.rtm_inits = BigInt(RT.RTV_EXPIRE);
  // The gateway follows the header and dst; sdl_index is its u16 at byte 2.
  const gatewayAt = RT.routingMessageLength("rt", { dst: sin(dst) });
  return {
    msg: toHex(RT.encodeRoutingMessage(msg)),
    ifindex: [{ at: gatewayAt + 2, ifname: ifnameOf(step.ifname) }],
  };
}
