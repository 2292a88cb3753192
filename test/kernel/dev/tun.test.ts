// tun (src/kernel/dev/tun.ts) against 10.4 sys/net/if_tun.c.

import { describe, expect, test } from "vitest";
import { EHOSTDOWN, EINVAL, EIO } from "../../../src/abi/errno.ts";
import {
  IFNAMSIZ,
  IFF_DRV_RUNNING,
  IFF_MULTICAST,
  IFF_POINTOPOINT,
  IFF_UP,
  IFT_PPP,
  LINK_STATE_UP,
} from "../../../src/abi/if.ts";
import { writeCString } from "../../../src/abi/decode.ts";
import { SIOCIFCREATE, SIOCIFDESTROY, SIOCSIFDSTADDR } from "../../../src/abi/sockio.ts";
import { ifunit } from "../../../src/kernel/net/if.ts";
import { AF_INET, sockaddrIn } from "../../../src/abi/socket.ts";
import {
  TUN_DSTADDR,
  TUN_IASET,
  tun_set_mode,
  tun_softc_of,
  tunifioctl,
  TUNMRU,
  tunoutput,
  tunwrite,
} from "../../../src/kernel/dev/tun.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { m_gethdr } from "../../../src/kernel/kern/mbuf.ts";
import { icmpstat } from "../../../src/kernel/netinet/ip_icmp.ts";
import { ipstat } from "../../../src/kernel/netinet/ip_input.ts";
import { icmpEchoRequest } from "../../../src/wire/builders.ts";
import { checksumVerifies } from "../../../src/wire/checksum.ts";
import { Bench, hex, ip, MAC_A, MAC_PEER } from "./nic_helpers.ts";

/** An echo request as raw IP (what a process writes to /dev/tun0). */
function rawEcho(dst: string): Uint8Array {
  return icmpEchoRequest({
    srcMac: MAC_PEER,
    dstMac: MAC_A,
    srcIp: ip("10.9.0.2"),
    dstIp: ip(dst),
    id: 0x77,
    seq: 3,
  }).slice(14);
}

function ifreq(name: string): Uint8Array {
  const r = new Uint8Array(32);
  writeCString(r, 0, IFNAMSIZ, name);
  return r;
}

function tunBench(): Bench {
  const b = new Bench();
  b.attach("tun", "tun0");
  return b;
}

describe("tuncreate", () => {
  test("IFT_PPP, point-to-point and multicast, MTU 1500, link up once opened", () => {
    const b = tunBench();
    const ifp = b.ifp("tun0");
    // tuncreate: "if_alloc(IFT_PPP)", "ifp->if_mtu = TUNMTU;", "ifp->if_flags = IFF_POINTOPOINT
    // | IFF_MULTICAST;"; tunopen: "if_link_state_change(ifp, LINK_STATE_UP);"
    expect(ifp.if_type).toBe(IFT_PPP);
    expect(ifp.if_flags).toBe(IFF_POINTOPOINT | IFF_MULTICAST);
    expect(ifp.if_mtu).toBe(1500);
    expect(ifp.if_link_state).toBe(LINK_STATE_UP);
    b.expectConsistent();
  });
});

describe("tun_clone_destroy", () => {
  test("destroying the open tun closes it first: tunclose, then tun_destroy", () => {
    const b = tunBench();
    expect(b.addAddr("tun0", "10.9.0.1", 32, "10.9.0.2")).toBe(0);
    // tun_destroy: "if ((tp->tun_flags & TUN_OPEN) != 0) cv_wait_unlock(&tp->tun_cv, ...)"
    // until tunclose's "cv_broadcast(&tp->tun_cv)"; the scenario's holder is the agent, which
    // closes its descriptor, so the destroy completes.
    expect(b.k.ioctl(Kernel.root(), SIOCIFDESTROY, ifreq("tun0")).errno).toBe(0);
    expect(b.k.run(() => ifunit("tun0"))).toBeNull();
    b.expectConsistent();
  });
});

describe("tunifioctl", () => {
  test("an address brings it up and running and records TUN_IASET / TUN_DSTADDR", () => {
    const b = tunBench();
    const ifp = b.ifp("tun0");
    expect(b.addAddr("tun0", "10.9.0.1", 32, "10.9.0.2")).toBe(0);
    // tuninit: "ifp->if_flags |= IFF_UP; ifp->if_drv_flags |= IFF_DRV_RUNNING;" and for an
    // AF_INET address "if (si->sin_addr.s_addr) tp->tun_flags |= TUN_IASET;" /
    // "if (si && si->sin_addr.s_addr) tp->tun_flags |= TUN_DSTADDR;"
    expect(ifp.if_flags & IFF_UP).toBe(IFF_UP);
    expect(ifp.if_drv_flags & IFF_DRV_RUNNING).toBe(IFF_DRV_RUNNING);
    const tp = tun_softc_of(ifp);
    expect(tp).not.toBeNull();
    expect((tp?.tun_flags ?? 0) & (TUN_IASET | TUN_DSTADDR)).toBe(TUN_IASET | TUN_DSTADDR);
    // No link-layer group for all-hosts: tun has no if_resolvemulti, so if_addmulti keeps only
    // the AF_INET membership.
    expect(ifp.if_multiaddrs).toHaveLength(1);
    expect(ifp.if_multiaddrs[0].ifma_llifma).toBeNull();
    b.expectConsistent();
  });

  test("10.4 has no SIOCSIFDSTADDR case: EINVAL", () => {
    const b = tunBench();
    const ifp = b.ifp("tun0");
    // tunifioctl "default: error = EINVAL;" (cases: SIOCGIFSTATUS, SIOCSIFADDR, SIOCSIFMTU,
    // SIOCSIFFLAGS, SIOCADDMULTI, SIOCDELMULTI).
    expect(b.k.run(() => tunifioctl(ifp, SIOCSIFDSTADDR, new Uint8Array(32)))).toBe(EINVAL);
  });
});

describe("tunoutput and tunwrite", () => {
  test("a written echo request is answered with a raw IPv4 reply, no link header", () => {
    const b = tunBench();
    expect(b.addAddr("tun0", "10.9.0.1", 32, "10.9.0.2")).toBe(0);
    b.sent();
    const req = rawEcho("10.9.0.1");
    expect(b.inject("tun0", req)).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    const r = sent[0].frame;
    // tunoutput without TUN_IFHEAD/TUN_LMODE: the bare IPv4 datagram ("if (af != AF_INET) ...
    // EAFNOSUPPORT" otherwise). icmp_reflect swaps the addresses and sets ip_ttl = V_ip_defttl
    // (64); ip_output (flags 0) writes ip_v/ip_hl and a new ip_id; ip_len, ip_tos and ip_off
    // stay as received; the ICMP type becomes ECHOREPLY and icmp_send recomputes the checksum.
    expect(r.length).toBe(req.length);
    expect(r[0]).toBe(0x45);
    expect(hex(r.subarray(2, 4))).toBe(hex(req.subarray(2, 4)));
    expect(r[8]).toBe(64);
    expect(r[9]).toBe(1);
    expect(hex(r.subarray(12, 16))).toBe(hex(req.subarray(16, 20)));
    expect(hex(r.subarray(16, 20))).toBe(hex(req.subarray(12, 16)));
    expect(r[20]).toBe(0);
    expect(hex(r.subarray(24))).toBe(hex(req.subarray(24)));
    expect(checksumVerifies(r.subarray(0, 20))).toBe(true);
    expect(checksumVerifies(r.subarray(20))).toBe(true);
    b.expectConsistent();
  });

  test("TUNSIFHEAD prefixes the address family in network order", () => {
    const b = tunBench();
    const ifp = b.ifp("tun0");
    expect(b.addAddr("tun0", "10.9.0.1", 32, "10.9.0.2")).toBe(0);
    b.k.run(() => tun_set_mode(ifp, "ifhead"));
    b.sent();
    // tunwrite with TUN_IFHEAD: "family = ntohl(*mtod(m, u_int32_t *)); m_adj(m, sizeof(family));"
    const req = rawEcho("10.9.0.1");
    const framed = new Uint8Array(4 + req.length);
    framed.set([0, 0, 0, AF_INET]);
    framed.set(req, 4);
    expect(b.inject("tun0", framed)).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    // tunoutput: "*(u_int32_t *)m0->m_data = htonl(af);"
    expect(hex(sent[0].frame.subarray(0, 4))).toBe("00000002");
    expect(sent[0].frame[4]).toBe(0x45);
  });

  test("not open: tunoutput is EHOSTDOWN", () => {
    const b = new Bench();
    expect(b.k.ioctl(Kernel.root(), SIOCIFCREATE, ifreq("tun5")).errno).toBe(0);
    const ifp = b.ifp("tun5");
    expect(b.addAddr("tun5", "10.9.0.1", 32, "10.9.0.2")).toBe(0);
    // "if ((cached_tun_flags & TUN_READY) != TUN_READY) { ... return (EHOSTDOWN); }" — TUN_OPEN
    // is only set by tunopen.
    const m = m_gethdr(rawEcho("10.9.0.2"), 0);
    expect(b.k.run(() => tunoutput(ifp, m, sockaddrIn(ip("10.9.0.2")), null))).toBe(EHOSTDOWN);
    expect(b.sent()).toHaveLength(0);
  });

  test("writes: ignored while down, EIO above TUNMRU", () => {
    const b = tunBench();
    const ifp = b.ifp("tun0");
    const ip0 = b.k.run(() => ipstat().ips_total);
    // "if ((ifp->if_flags & IFF_UP) != IFF_UP) /* ignore silently */ return (0);"
    expect(b.k.run(() => tunwrite(ifp, rawEcho("10.9.0.1")))).toBe(0);
    expect(b.k.run(() => ipstat().ips_total)).toBe(ip0);
    expect(b.addAddr("tun0", "10.9.0.1", 32, "10.9.0.2")).toBe(0);
    // "if (uio->uio_resid < 0 || uio->uio_resid > TUNMRU) { ... return (EIO); }"
    expect(b.k.run(() => tunwrite(ifp, new Uint8Array(TUNMRU + 1)))).toBe(EIO);
    expect(b.k.run(() => tunwrite(ifp, rawEcho("10.9.0.1")))).toBe(0);
    expect(b.k.run(() => ipstat().ips_total) - ip0).toBe(1);
    expect(b.k.run(() => icmpstat().icps_reflect)).toBe(1);
  });
});
