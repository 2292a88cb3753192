// epair (src/kernel/dev/epair.ts) against 10.4 sys/net/if_epair.c.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  IFNAMSIZ,
  IFF_BROADCAST,
  IFF_DRV_RUNNING,
  IFF_MULTICAST,
  IFF_SIMPLEX,
  IFF_UP,
  LINK_STATE_UP,
} from "../../../src/abi/if.ts";
import { formatDecodeError, isDecodeError, writeCString } from "../../../src/abi/decode.ts";
import { decodeRoutingMessages } from "../../../src/abi/rtmsg.ts";
import { SIOCIFCREATE, SIOCIFCREATE2, SIOCIFDESTROY } from "../../../src/abi/sockio.ts";
import { IFREQ_OFFSETS } from "../../../src/abi/if.ts";
import { isSockaddrDl, LLADDR, sdlName } from "../../../src/abi/socket.ts";
import { fromHex, type RawTrace } from "../../../src/harness/ops.ts";
import { GUEST_DEVICES } from "../../../src/backends/twin-kernel.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { ifunit } from "../../../src/kernel/net/if.ts";
import { icmpstat } from "../../../src/kernel/netinet/ip_icmp.ts";
import { ipstat } from "../../../src/kernel/netinet/ip_input.ts";
import { arpReply } from "../../../src/wire/builders.ts";
import { Bench, hex, ip, MAC_A, MAC_PEER, pingFromPeer } from "./nic_helpers.ts";

function arpReplyFrom(): Uint8Array {
  return arpReply({ srcMac: MAC_PEER, srcIp: ip("10.0.0.2"), dstMac: MAC_A, dstIp: ip("10.0.0.1") });
}

function ifr(name: string): Uint8Array {
  const b = new Uint8Array(32);
  writeCString(b, 0, IFNAMSIZ, name);
  return b;
}

describe("epair_clone_create", () => {
  test("`ifconfig epair create` makes epair0a and epair0b, running, link up, with generated MACs", () => {
    const b = new Bench();
    const r = b.k.ioctl(Kernel.root(), SIOCIFCREATE, ifr("epair"));
    expect(r.errno).toBe(0);
    // The name written back is the a side: "strlcpy(name, sca->ifp->if_xname, len);"
    expect(r.data.subarray(0, 8)).toEqual(new TextEncoder().encode("epair0a\0"));
    const a = b.ifp("epair0a");
    const bb = b.ifp("epair0b");
    for (const ifp of [a, bb]) {
      // "ifp->if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;" ... "if_drv_flags |=
      // IFF_DRV_RUNNING; if_link_state_change(..., LINK_STATE_UP);"
      expect(ifp.if_flags).toBe(IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST);
      expect(ifp.if_drv_flags & IFF_DRV_RUNNING).toBe(IFF_DRV_RUNNING);
      expect(ifp.if_link_state).toBe(LINK_STATE_UP);
    }
    // "eaddr[0] = 0x02; eaddr[3] = (ifp->if_index >> 8) & 0xff; eaddr[4] = ifp->if_index & 0xff;
    //  eaddr[5] = 0x0a;" (0x0b for the b side); bytes 1-2 are never set (if_epair.c:712), and
    // hold ff:40 (a) / ff:80 (b) on the real kernels (see the recorded traces below).
    const lla = (ifp: typeof a): string => {
      const sdl = ifp.if_addr?.ifa_addr;
      if (sdl === undefined || !isSockaddrDl(sdl)) throw new Error("no lladdr");
      return hex(LLADDR(sdl));
    };
    const index = (ifp: typeof a): string =>
      `${(ifp.if_index >> 8).toString(16).padStart(2, "0")}${(ifp.if_index & 0xff).toString(16).padStart(2, "0")}`;
    expect(lla(a)).toBe(`02ff40${index(a)}0a`);
    expect(lla(bb)).toBe(`02ff80${index(bb)}0b`);
    // Both were if_alloc'ed one after the other: a first.
    expect(bb.if_index).toBe(a.if_index + 1);
    b.expectConsistent();
  });

  test("SIOCIFCREATE2 with ifr_data NULL, as ifconfig(8) sends it, makes the pair", () => {
    const b = new Bench();
    // if_clone_create(..., cmd == SIOCIFCREATE2 ? ifr->ifr_data : NULL): ifconfig's
    // clone_create zeroes the ifreq, so params is NULL and "if (params)" is not taken.
    expect(b.k.ioctl(Kernel.root(), SIOCIFCREATE2, ifr("epair")).errno).toBe(0);
    expect(b.k.run(() => ifunit("epair0b"))).not.toBeNull();
    // A non-NULL ifr_data would be dereferenced as an epair_softc by 10.4; the twin says EFAULT.
    const bad = ifr("epair");
    bad[IFREQ_OFFSETS.ifr_data] = 0x10;
    expect(b.k.ioctl(Kernel.root(), SIOCIFCREATE2, bad).errno).toBe(14);
    expect(b.k.run(() => ifunit("epair1a"))).toBeNull();
    b.expectConsistent();
  });

  test("a second create takes the next unit; asking for a taken unit is EEXIST", () => {
    const b = new Bench();
    expect(b.k.ioctl(Kernel.root(), SIOCIFCREATE, ifr("epair")).errno).toBe(0);
    expect(b.k.ioctl(Kernel.root(), SIOCIFCREATE, ifr("epair")).errno).toBe(0);
    expect(b.k.run(() => ifunit("epair1b"))).not.toBeNull();
    // ifc_alloc_unit on a named unit already in use: EEXIST.
    expect(b.k.ioctl(Kernel.root(), SIOCIFCREATE, ifr("epair1")).errno).toBe(17);
  });

  test("destroying either half destroys the pair", () => {
    const b = new Bench();
    expect(b.k.ioctl(Kernel.root(), SIOCIFCREATE, ifr("epair")).errno).toBe(0);
    expect(b.addAddr("epair0a", "10.0.0.1", 24)).toBe(0);
    // epair_clone_destroy: "ether_ifdetach(oifp); ... if_clone_destroyif(ifc, oifp); ...
    // ether_ifdetach(ifp);"
    expect(b.k.ioctl(Kernel.root(), SIOCIFDESTROY, ifr("epair0a")).errno).toBe(0);
    expect(b.k.run(() => ifunit("epair0a"))).toBeNull();
    expect(b.k.run(() => ifunit("epair0b"))).toBeNull();
    b.expectConsistent();
  });
});

describe("epair_transmit and the netisr hand-off", () => {
  test("a frame sent on epair0a arrives on epair0b's input after the netisr runs", () => {
    const b = new Bench();
    b.attach("epair", "epair0a", MAC_A);
    b.attach("epair", "epair0b", MAC_PEER);
    const bb = b.ifp("epair0b");
    expect(b.setFlags("epair0b", bb.if_flags | IFF_UP)).toBe(0);
    const before = { ipk: bb.if_data.ifi_ipackets, mc: bb.if_data.ifi_imcasts };
    // Adding an address to epair0a sends a gratuitous ARP (broadcast) on it.
    expect(b.addAddr("epair0a", "10.0.0.1", 24)).toBe(0);
    const sent = b.sent();
    expect(sent.map((f) => f.ifname)).toEqual(["epair0a"]);
    expect(hex(sent[0].frame.subarray(0, 14))).toBe(`ffffffffffff${hex(MAC_A)}0806`);
    // epair_transmit_locked: "oifp->if_ipackets++" on a successful netisr_queue, and
    // ether_input on epair0b counts the broadcast: "ifp->if_imcasts++".
    expect(bb.if_data.ifi_ipackets - before.ipk).toBe(1n);
    expect(bb.if_data.ifi_imcasts - before.mc).toBe(1n);
    b.expectConsistent();
  });

  test("a ping into epair0a from beyond the pair: ARP request out, reply, then the echo reply", () => {
    const b = new Bench();
    b.attach("epair", "epair0a", MAC_A);
    b.attach("epair", "epair0b", MAC_PEER);
    expect(b.addAddr("epair0a", "10.0.0.1", 24)).toBe(0);
    b.sent();
    // Injected on epair0a: as if epair0b's side (a host 10.0.0.2 with MAC_PEER) had sent it.
    const echo = pingFromPeer("10.0.0.1", { id: 0x1234 });
    expect(b.inject("epair0a", echo)).toBe(0);
    // icmp_input reflects it; arpresolve has no entry for 10.0.0.2, holds the reply and asks.
    expect(b.sent().map((f) => `${f.ifname} ${hex(f.frame.subarray(0, 14))}`)).toEqual([
      `epair0a ffffffffffff${hex(MAC_A)}0806`,
    ]);
    expect(b.inject("epair0a", arpReplyFrom())).toBe(0);
    // The held echo reply leaves once the ARP reply arrives (arp's la_hold is sent).
    const out = b.sent();
    expect(out.map((f) => `${f.ifname} ${hex(f.frame.subarray(0, 14))}`)).toEqual([
      `epair0a ${hex(MAC_PEER)}${hex(MAC_A)}0800`,
    ]);
    expect(b.k.run(() => icmpstat().icps_reflect)).toBe(1);
    b.expectConsistent();
  });

  test("a down receiver is an output error and nothing is delivered", () => {
    const b = new Bench();
    b.attach("epair", "epair0a", MAC_A);
    b.attach("epair", "epair0b", MAC_PEER);
    const a = b.ifp("epair0a");
    const bb = b.ifp("epair0b");
    const oerr = a.if_data.ifi_oerrors;
    // epair0b is not up: "if ((oifp->if_drv_flags & IFF_DRV_RUNNING) == 0 || (oifp->if_flags &
    // IFF_UP) == 0) { ifp->if_oerrors++; m_freem(m); return (0); }"
    expect(b.addAddr("epair0a", "10.0.0.1", 24)).toBe(0);
    expect(a.if_data.ifi_oerrors - oerr).toBe(1n);
    expect(bb.if_data.ifi_ipackets).toBe(0n);
    expect(b.k.run(() => ipstat().ips_total)).toBe(0);
  });

  test("SIOCSIFMTU takes any value ifioctl lets through", () => {
    const b = new Bench();
    b.attach("epair", "epair0a", MAC_A);
    // epair_ioctl: "case SIOCSIFMTU: /* We basically allow all kinds of MTUs. */"
    expect(b.setMtu("epair0a", 16000)).toBe(0);
    expect(b.ifp("epair0a").if_mtu).toBe(16000);
  });
});

describe("epair etheraddr bytes 1-2 as the 10.4 kernels leave them (recorded)", () => {
  // Probe program run with `inconf exec --backend freebsd:10.4-seedin` / `freebsd:10.4`: nics
  // epair0b and epair1a with a MAC (the agent's SIOCSIFLLADDR), so epair0a and epair1b keep the
  // etheraddr epair_clone_create made; one observe step dumps NET_RT_IFLIST.
  const generated = (file: string): Map<string, string> => {
    const trace = JSON.parse(readFileSync(new URL(file, import.meta.url), "utf8")) as RawTrace;
    const out = new Map<string, string>();
    for (const r of trace.results) {
      if (r.dumps === undefined) continue;
      const msgs = decodeRoutingMessages(fromHex(r.dumps.iflist));
      if (isDecodeError(msgs)) throw new Error(formatDecodeError(msgs));
      for (const m of msgs) {
        const sdl = m.kind === "if" ? m.addrs.ifp : undefined;
        if (sdl !== undefined && isSockaddrDl(sdl)) out.set(sdlName(sdl), hex(LLADDR(sdl)));
      }
    }
    return out;
  };
  for (const release of ["10.4-seedin", "10.4-RELEASE"]) {
    test(`${release}: the twin booted like the guest gives every interface the same MAC`, () => {
      const real = generated(`./epair-macs.${release}.trace.json`);
      expect(real.get("epair0a")).toBe("02ff4000060a");
      expect(real.get("epair1b")).toBe("02ff8000090b");
      // The probe's nic ops, on a Kernel with the guests' boot devices (em0, vtnet0..2, lo0).
      const k = new Kernel({ devices: GUEST_DEVICES });
      expect(k.attachNic("epair", "epair0b", "02:00:00:00:00:01")).toBe(0);
      expect(k.attachNic("epair", "epair1a", "02:00:00:00:00:03")).toBe(0);
      const twin = new Map<string, string>();
      for (const ifp of k.interfaces) {
        const sdl = ifp.if_addr?.ifa_addr;
        if (sdl !== undefined && isSockaddrDl(sdl)) twin.set(ifp.if_xname, hex(LLADDR(sdl)));
      }
      expect(twin).toEqual(real);
    });
  }
});
