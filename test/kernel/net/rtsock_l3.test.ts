// Ports of FreeBSD's own routing-socket tests (freebsd-src tests/sys/net/routing/test_rtsock_l3.c,
// written against 13/14) where 10.4's code gives the same answer, and one where it does not.
// Their setup: one interface, up, with an IPv4 address; here vtnet0 (index 2) with 192.0.2.1/24.

import { describe, expect, test } from "vitest";
import { EINVAL, ESRCH } from "../../../src/abi/errno.ts";
import { decodeRoutingMessage } from "../../../src/abi/rtmsg.ts";
import { isDecodeError } from "../../../src/abi/decode.ts";
import {
  RTF_DONE,
  RTF_GATEWAY,
  RTF_PINNED,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_DELETE,
  RTM_GET,
} from "../../../src/abi/route_defs.ts";
import { isSockaddrDl, sockaddrIn } from "../../../src/abi/socket.ts";
import { ROOT, addAddr, kernelWithNic, rtmsg } from "./helpers.ts";

const NET = sockaddrIn(0xc0000200);
const MASK = sockaddrIn(0xffffff00);
const ADDR = sockaddrIn(0xc0000201);
// prepare_v4_network: the prefix one bit longer, gateway = last address of the net - 1.
const NET_HALF = sockaddrIn(0xc0000200);
const MASK_HALF = sockaddrIn(0xffffff80);
const GW = sockaddrIn(0xc00002fe);

function setup() {
  const k = kernelWithNic();
  expect(addAddr(k, "vtnet0", 0xc0000201, 0xffffff00)).toBe(0);
  const so = k.routeSocketOpen();
  const ask = (msg: Uint8Array) => {
    const error = so.write(ROOT, msg);
    const replies = so.read();
    const reply = decodeRoutingMessage(replies[replies.length - 1]);
    if (isDecodeError(reply) || reply.kind !== "rt") throw new Error("no rt_msghdr reply");
    return { error, reply };
  };
  return { k, so, ask };
}

describe("test_rtsock_l3.c ports", () => {
  test("rtm_get_v4_exact_success: UP|DONE|PINNED, link gateway with the interface's index", () => {
    const { ask } = setup();
    const { error, reply } = ask(rtmsg(RTM_GET, 0, { dst: NET, netmask: MASK }));
    expect(error).toBe(0);
    expect(reply.hdr.rtm_errno).toBe(0);
    expect(reply.hdr.rtm_index).toBe(2);
    expect(reply.hdr.rtm_flags).toBe(RTF_UP | RTF_DONE | RTF_PINNED);
    expect(reply.addrs.dst).toMatchObject({ sin_addr: 0xc0000200 });
    const gw = reply.addrs.gateway;
    expect(gw !== undefined && isSockaddrDl(gw) && gw.sdl_index).toBe(2);
  });

  test("rtm_get_v4_lpm_success: address lookup without a mask finds the prefix", () => {
    const { ask } = setup();
    const { error, reply } = ask(rtmsg(RTM_GET, 0, { dst: NET }));
    expect(error).toBe(0);
    expect(reply.hdr.rtm_flags).toBe(RTF_UP | RTF_DONE | RTF_PINNED);
    expect(reply.addrs.netmask).toBeDefined();
  });

  test("rtm_get_v4_empty_dst_failure: no RTA_DST is EINVAL", () => {
    const { so } = setup();
    expect(so.write(ROOT, rtmsg(RTM_GET, 0, { netmask: MASK }))).toBe(EINVAL);
  });

  test("rtm_get_v4_hostbits_success does not hold on 10.4: ESRCH", () => {
    // 10.4 radix.c rn_lookup walks the duplicate-key chain of rn_match's result, which for the
    // interface's own address is its loopback host route, so the /24 is not found. Newer
    // releases answer this query (the ported test expects success).
    const { so } = setup();
    expect(so.write(ROOT, rtmsg(RTM_GET, 0, { dst: ADDR, netmask: MASK }))).toBe(ESRCH);
  });

  test("rtm_add_v4_gw_direct_success: UP|DONE|GATEWAY|STATIC on the interface", () => {
    const { ask } = setup();
    const { error, reply } = ask(
      rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, { dst: NET_HALF, gateway: GW, netmask: MASK_HALF }),
    );
    expect(error).toBe(0);
    expect(reply.hdr.rtm_index).toBe(2);
    expect(reply.hdr.rtm_flags).toBe(RTF_UP | RTF_DONE | RTF_GATEWAY | RTF_STATIC);
  });

  test("rtm_add_v4_no_rtf_host_success: no netmask and no RTF_HOST still adds", () => {
    const { so } = setup();
    expect(
      so.write(ROOT, rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, { dst: NET_HALF, gateway: GW })),
    ).toBe(0);
  });

  test("rtm_del_v4_prefix_nogw_success: the reply names the deleted route, RTF_UP gone", () => {
    const { so, ask, k } = setup();
    so.write(
      ROOT,
      rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, { dst: NET_HALF, gateway: GW, netmask: MASK_HALF }),
    );
    so.read();
    const { error, reply } = ask(rtmsg(RTM_DELETE, 0, { dst: NET_HALF, netmask: MASK_HALF }));
    expect(error).toBe(0);
    expect(reply.hdr.rtm_type).toBe(RTM_DELETE);
    expect(reply.addrs.gateway).toMatchObject({ sin_addr: 0xc00002fe });
    expect(reply.hdr.rtm_index).toBe(2);
    expect(reply.hdr.rtm_flags).toBe(RTF_DONE | RTF_GATEWAY | RTF_STATIC);
    expect(k.checkInvariants()).toEqual([]);
  });
});
