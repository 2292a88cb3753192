// Resolution: an outgoing packet (here the echo reply to an injected ping) finds no entry,
// arpresolve creates an incomplete one, holds the packet and broadcasts a request; the peer's
// reply fills the entry and releases the packet (10.4 if_ether.c arpresolve, in_arpinput).
// Ports tests/sys/netinet/arp.sh arp_lookup_host and arp_del_success.

import { scenario } from "../../src/harness/scenario.ts";
import { OUR_MAC, PEER_MAC } from "../macs.ts";

export const arpResolveScenarios = [
  scenario(
    "arp/resolve-on-ping",
    "A ping from an unknown peer: request out, reply in, echo reply released",
    (s) => {
      s.cite(
        "10.4 if_ether.c arpresolve (LLE_CREATE, la_hold, arprequest, EWOULDBLOCK)",
        "10.4 if_ether.c in_arpinput (LLE_VALID, la_expire = time_uptime + arpt_keep, la_hold flushed)",
        "seed in.c:1127-1152 in_lltable_lookup (LLE_CREATE after in_lltable_rtcheck)",
      );
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "icmp-echo",
        src_mac: PEER_MAC,
        dst_mac: OUR_MAC,
        src_ip: "10.0.0.2",
        dst_ip: "10.0.0.1",
      }).expect({
        frames: [
          // arprequest(ifp, NULL, 10.0.0.2, NULL): the source is the address whose subnet holds
          // 10.0.0.2; broadcast (M_BCAST → 10.4 if_ethersubr.c ether_output AF_ARP).
          {
            ifname: "vtnet1",
            where: {
              "ethernet.dst": "ff:ff:ff:ff:ff:ff",
              "arp.operation": 1,
              "arp.senderMac": OUR_MAC,
              "arp.senderIp": "10.0.0.1",
              "arp.targetIp": "10.0.0.2",
            },
            count: 1,
          },
          // The echo reply waits in la_hold.
          { ifname: "vtnet1", where: { "ipv4.dst": "10.0.0.2" }, count: 0 },
        ],
        // in_lltable_dump: an entry without LLE_VALID has sdl_alen 0.
        arp: [{ addr: "10.0.0.2", ifname: "vtnet1", lladdr: "incomplete", static: false }],
      });
      s.inject("vtnet1", {
        kind: "arp-reply",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        dst_mac: OUR_MAC,
        dst_ip: "10.0.0.1",
      }).expect({
        arp: [{ addr: "10.0.0.2", ifname: "vtnet1", lladdr: PEER_MAC, static: false }],
        frames: [
          {
            ifname: "vtnet1",
            where: { "ethernet.dst": PEER_MAC, "ipv4.src": "10.0.0.1", "ipv4.dst": "10.0.0.2" },
            count: 1,
          },
          // A reply is not answered (in_arpinput: op != ARPOP_REQUEST → drop).
          { ifname: "vtnet1", where: { "arp.operation": 2 }, count: 0 },
        ],
      });
    },
  ),

  scenario("arp/lookup-host", "No entry before any traffic; the peer's entry after one exchange", (s) => {
    s.cite("tests/sys/netinet/arp.sh:arp_lookup_host", "10.4 if_ether.c in_arpinput");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "198.51.100.1/24").expect({
      errno: "OK",
      // arp.sh: "arp -n ipb" → "-- no entry".
      arp: [{ addr: "198.51.100.2", absent: true }],
    });
    // The peer's ping arrives; its echo reply needs the peer's address.
    s.inject("vtnet1", {
      kind: "icmp-echo",
      src_mac: PEER_MAC,
      dst_mac: OUR_MAC,
      src_ip: "198.51.100.2",
      dst_ip: "198.51.100.1",
    }).expect({ frames: [{ ifname: "vtnet1", where: { "arp.targetIp": "198.51.100.2" }, count: 1 }] });
    s.inject("vtnet1", {
      kind: "arp-reply",
      src_mac: PEER_MAC,
      src_ip: "198.51.100.2",
      dst_mac: OUR_MAC,
      dst_ip: "198.51.100.1",
    }).expect({
      // arp.sh: "(ipb) at $eth on epair0a".
      arp: [{ addr: "198.51.100.2", ifname: "vtnet1", lladdr: PEER_MAC }],
    });
  }),

  scenario(
    "arp/delete-incomplete",
    "arp -d removes an entry still resolving; afterwards there is none",
    (s) => {
      s.cite(
        "tests/sys/netinet/arp.sh:arp_del_success (ping an absent host, then arp -nd)",
        "10.4 if_llatbl.c lla_rt_output (RTM_DELETE → LLE_DELETE)",
        "seed in.c:1154-1170 in_lltable_lookup (LLE_DELETE marks LLE_DELETED)",
        "seed in.c:1202-1204 in_lltable_dump (deleted entries skipped)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "198.51.100.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "icmp-echo",
        src_mac: PEER_MAC,
        dst_mac: OUR_MAC,
        src_ip: "198.51.100.2",
        dst_ip: "198.51.100.1",
      }).expect({ arp: [{ addr: "198.51.100.2", lladdr: "incomplete" }] });
      // arp.sh: "198.51.100.2 (198.51.100.2) deleted".
      s.arpDelete("vtnet1", "198.51.100.2").expect({
        errno: "OK",
        // arp.sh: "-- no entry".
        arp: [{ addr: "198.51.100.2", absent: true }],
      });
    },
  ),

  scenario(
    "arp/incomplete-times-out",
    "An unanswered entry is freed after net.link.ether.inet.wait seconds",
    (s) => {
      s.cite(
        "10.4 if_ether.c arpresolve (callout_reset(la_timer, hz * V_arpt_down, arptimer))",
        "10.4 if_ether.c arptimer (not LLE_VALID: LLENTRY_TIMEDOUT, llentry_free)",
        "arp(4) (net.link.ether.inet.wait)",
      );
      s.tune("net.link.ether.inet.wait", 5);
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "icmp-echo",
        src_mac: PEER_MAC,
        dst_mac: OUR_MAC,
        src_ip: "10.0.0.2",
        dst_ip: "10.0.0.1",
      }).expect({ arp: [{ addr: "10.0.0.2", lladdr: "incomplete" }] });
      s.sleep(4).expect({ arp: [{ addr: "10.0.0.2", lladdr: "incomplete" }] });
      s.sleep(2).expect({
        arp: [{ addr: "10.0.0.2", absent: true }],
        // No retransmission without new traffic: arprequest is only called from arpresolve.
        frames: [{ where: { "arp.operation": 1 }, count: 0 }],
      });
    },
  ),

  scenario("arp/pending-delete-if", "Destroying an interface with entries still resolving", (s) => {
    s.cite(
      'tests/sys/netinet/arp.sh:pending_delete_if ("Test failure panics the machine")',
      "seed in.c:1278-1285 in_domifdetach (lltable_free)",
    );
    s.nic("epair0a", { driver: "epair" });
    s.aifaddr("epair0a", "198.51.100.1/24").expect({ errno: "OK" });
    for (const host of [2, 3, 4, 5]) {
      s.inject("epair0a", {
        kind: "icmp-echo",
        src_mac: PEER_MAC,
        dst_mac: "02:00:00:00:00:01",
        src_ip: `198.51.100.${host}`,
        dst_ip: "198.51.100.1",
      });
    }
    s.observe("four entries resolving").expect({
      arp: [2, 3, 4, 5].map((h) => ({ addr: `198.51.100.${h}`, lladdr: "incomplete" as const })),
    });
    s.ifdestroy("epair0a").expect({
      errno: "OK",
      arp: [2, 3, 4, 5].map((h) => ({ addr: `198.51.100.${h}`, absent: true })),
      routes: [
        { dst: "198.51.100.0/24", absent: true },
        { dst: "198.51.100.1", absent: true },
      ],
      rtsock: [{ type: "RTM_IFANNOUNCE", ifname: "epair0a" }],
    });
  }),
];
