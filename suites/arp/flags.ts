// Interface flags and interfaces that change what ARP does: IFF_STATICARP (ifconfig staticarp)
// stops learning but not answering (10.4 if_ether.c in_arpinput); IFF_NOARP makes in_scrubprefix
// skip arp_ifscrub (seed in.c 754-756); a request for an address of another interface is not
// answered (in_arpinput matches addresses of the receiving interface only).

import { scenario } from "../../src/harness/scenario.ts";
import { PEER_MAC } from "../macs.ts";

export const arpFlagScenarios = [
  scenario(
    "arp/staticarp-answers-without-learning",
    "With staticarp a request is answered, its sender not learned",
    (s) => {
      s.cite(
        "10.4 if_ether.c in_arpinput (IFF_STATICARP → goto reply, skipping the lookup that learns)",
        "ifconfig(8) (staticarp)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.add({ op: "ifflags", ifname: "vtnet1", set: ["IFF_STATICARP"], clear: [] }).expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      }).expect({
        frames: [
          { where: { "ethernet.dst": PEER_MAC, "arp.operation": 2, "arp.senderIp": "10.0.0.1" }, count: 1 },
        ],
        arp: [{ addr: "10.0.0.2", absent: true }],
      });
    },
  ),

  scenario("arp/staticarp-no-resolution", "With staticarp an unknown next hop is not resolved", (s) => {
    s.cite("10.4 if_ether.c arpresolve (IFF_NOARP | IFF_STATICARP: no LLE_CREATE, no request)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.add({ op: "ifflags", ifname: "vtnet1", set: ["IFF_STATICARP"], clear: [] }).expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "icmp-echo",
      src_mac: PEER_MAC,
      dst_mac: "02:00:00:00:00:01",
      src_ip: "10.0.0.2",
      dst_ip: "10.0.0.1",
    }).expect({
      frames: [{ where: { "arp.operation": 1 }, count: 0 }],
      arp: [{ addr: "10.0.0.2", absent: true }],
    });
  }),

  scenario(
    "arp/noarp-alias-delete-keeps-own-entry",
    "With IFF_NOARP a deleted alias keeps its own ARP entry",
    (s) => {
      s.cite(
        "seed in.c:754-756 (arp_ifscrub only without IFF_NOARP)",
        "seed in.c:768-771 (an alias without IFA_ROUTE returns before lltable_prefix_free)",
        "10.4 if_ether.c arp_ifinit (the LLE_IFADDR entry is made whatever IFF_NOARP says)",
      );
      s.nic("vtnet1");
      s.add({ op: "ifflags", ifname: "vtnet1", set: ["IFF_UP", "IFF_NOARP"], clear: [] }).expect({
        errno: "OK",
      });
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.2/24").expect({ errno: "OK", arp: [{ addr: "10.0.0.2", static: true }] });
      s.difaddr("vtnet1", "10.0.0.2").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.2", absent: true }],
        arp: [{ addr: "10.0.0.2", ifname: "vtnet1", lladdr: "02:00:00:00:00:01", static: true }],
      });
    },
  ),

  scenario(
    "arp/request-for-other-iface-address",
    "A request for an address of another interface is not answered",
    (s) => {
      s.cite(
        "10.4 if_ether.c in_arpinput (ia must be on the receiving interface; else its first address is myaddr)",
        "10.4 if_ether.c in_arpinput reply: (not ours, no published entry, proxyall 0 → drop)",
      );
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "10.0.1.1/24").expect({ errno: "OK" });
      s.inject("vtnet2", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.1.2",
        target_ip: "10.0.0.1",
      }).expect({
        frames: [{ where: { "arp.operation": 2 }, count: 0 }],
        arp: [{ addr: "10.0.1.2", absent: true }],
      });
    },
  ),

  scenario("arp/request-on-iface-without-address", "An interface with no IPv4 address drops ARP", (s) => {
    s.cite("10.4 if_ether.c in_arpinput (no address on the interface, not bridged → drop)");
    s.nic("vtnet1");
    s.nic("vtnet2");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.up("vtnet2")
      .note("up, so the frame reaches ARP: 10.4 ether_input drops frames on a down interface")
      .expect({ errno: "OK" });
    s.inject("vtnet2", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.0.1",
    }).expect({
      frames: [{ where: { "arp.operation": 2 }, count: 0 }],
      arp: [{ addr: "10.0.0.2", absent: true }],
    });
  }),
];
