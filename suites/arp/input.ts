// ARP input (10.4 if_ether.c in_arpinput): which requests are answered and how, which senders
// are learned or updated, and what is dropped.

import { scenario } from "../../src/harness/scenario.ts";
import { OUR_MAC, PEER_MAC, OTHER_MAC } from "../macs.ts";

/** Ethernet + ARP reply from us (10.0.0.1) to the peer (10.0.0.2), 42 bytes. */
const REPLY_TO_PEER =
  "020000000022" + // ether_dhost: ar_tha, which in_arpinput set to the requester's ar_sha
  "020000000001" + // ether_shost: our MAC
  "0806" + // ETHERTYPE_ARP
  "0001" + // ar_hrd ARPHRD_ETHER (ether_output sets it for AF_ARP)
  "0800" + // ar_pro ETHERTYPE_IP
  "06" + // ar_hln
  "04" + // ar_pln
  "0002" + // ar_op ARPOP_REPLY
  "020000000001" + // ar_sha: enaddr (our MAC)
  "0a000001" + // ar_spa: itaddr 10.0.0.1
  "020000000022" + // ar_tha: the requester's MAC
  "0a000002"; // ar_tpa: the requester's address

export const arpInputScenarios = [
  scenario(
    "arp/reply-byte-exact",
    "A request for our address is answered with exactly these 42 bytes",
    (s) => {
      s.cite(
        "10.4 if_ether.c in_arpinput reply: (tha := sha, sha := enaddr, tpa := spa, spa := itaddr, op := REPLY, m_len = 28)",
        "10.4 if_ethersubr.c ether_output AF_ARP (ar_hrd := ARPHRD_ETHER; not M_BCAST → edst := ar_tha)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      }).expect({
        frames: [{ ifname: "vtnet1", where: {}, hex: REPLY_TO_PEER, count: 1 }],
      });
    },
  ),

  scenario(
    "arp/request-learns-sender",
    "A request for us creates the sender's entry with max_age to live",
    (s) => {
      s.cite(
        "10.4 if_ether.c in_arpinput (itaddr == myaddr → LLE_CREATE; la_expire = time_uptime + arpt_keep)",
        "10.4 if_ether.c:84 (arpt_keep = 20*60), :811 (la_expire = time_uptime + V_arpt_keep)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      }).expect({
        // 1200 s when dumped at once; a real guest's clock moves a little before its dump.
        arp: [
          {
            addr: "10.0.0.2",
            ifname: "vtnet1",
            lladdr: PEER_MAC,
            static: false,
            expire: { min: 1195, max: 1200 },
          },
        ],
      });
    },
  ),

  scenario(
    "arp/request-not-for-us",
    "A request for another host is neither answered nor learned from",
    (s) => {
      s.cite(
        "10.4 if_ether.c in_arpinput (no match: myaddr is the interface's first address; itaddr != myaddr → flags 0)",
        "10.4 if_ether.c in_arpinput reply: (not ours, not LLE_PUB, proxyall 0 → drop)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.7",
      }).expect({
        frames: [{ where: { "arp.operation": 2 }, count: 0 }],
        arp: [{ addr: "10.0.0.2", absent: true }],
      });
    },
  ),

  scenario(
    "arp/unsolicited-reply-to-us",
    "A reply addressed to us creates the sender's entry unasked",
    (s) => {
      s.cite("10.4 if_ether.c in_arpinput (flags from itaddr == myaddr, whatever ar_op is)");
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-reply",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.3",
        dst_mac: OUR_MAC,
        dst_ip: "10.0.0.1",
      }).expect({
        arp: [{ addr: "10.0.0.3", ifname: "vtnet1", lladdr: PEER_MAC, static: false }],
        frames: [{ where: { "arp.operation": 2 }, count: 0 }],
      });
    },
  ),

  scenario("arp/offnet-sender-not-learned", "A sender outside every prefix is not learned", (s) => {
    s.cite(
      "seed in.c:1127-1140 in_lltable_lookup (LLE_CREATE needs in_lltable_rtcheck)",
      "seed in.c:1034-1036 in_lltable_rtcheck (no route → EINVAL)",
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "192.168.9.9",
      target_ip: "10.0.0.1",
    }).expect({
      arp: [{ addr: "192.168.9.9", absent: true }],
      // The request is for us, so it is still answered (la == NULL goes on to reply:).
      frames: [{ where: { "arp.operation": 2, "arp.targetIp": "192.168.9.9" }, count: 1 }],
    });
  }),

  scenario("arp/sender-moved", "A known sender with a new MAC: the entry follows it", (s) => {
    s.cite(
      '10.4 if_ether.c in_arpinput (LLE_VALID, different ar_sha, not static: "moved from", ll_addr updated)',
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.0.1",
    }).expect({
      arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC }],
    });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: OTHER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.0.1",
    }).expect({
      arp: [{ addr: "10.0.0.2", lladdr: OTHER_MAC, static: false }],
      frames: [{ where: { "ethernet.dst": OTHER_MAC, "arp.operation": 2 }, count: 1 }],
    });
  }),

  scenario(
    "arp/permanent-entry-not-modified",
    "A permanent entry keeps its MAC when the host answers from another",
    (s) => {
      s.cite(
        '10.4 if_ether.c in_arpinput (LLE_STATIC: "attempts to modify permanent entry", goto reply)',
        "arp(8) (-s: permanent unless temp)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.arpSet("vtnet1", "10.0.0.5", "02:00:00:00:00:55").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.5",
        target_ip: "10.0.0.1",
      }).expect({
        arp: [{ addr: "10.0.0.5", lladdr: "02:00:00:00:00:55", static: true }],
        // The request is still answered, to the MAC that asked.
        frames: [
          { where: { "ethernet.dst": PEER_MAC, "arp.operation": 2, "arp.targetIp": "10.0.0.5" }, count: 1 },
        ],
      });
    },
  ),

  scenario(
    "arp/duplicate-address-defended",
    "A gratuitous ARP claiming our address is answered in defence",
    (s) => {
      s.cite(
        '10.4 if_ether.c in_arpinput (isaddr == myaddr: "is using my IP address", itaddr = myaddr, dupips++, goto reply)',
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", { kind: "garp", src_mac: PEER_MAC, ip: "10.0.0.1" }).expect({
        frames: [
          {
            ifname: "vtnet1",
            where: {
              "ethernet.dst": PEER_MAC,
              "arp.operation": 2,
              "arp.senderMac": OUR_MAC,
              "arp.senderIp": "10.0.0.1",
              "arp.targetMac": PEER_MAC,
              "arp.targetIp": "10.0.0.1",
            },
            count: 1,
          },
        ],
        // Our own entry is untouched.
        arp: [{ addr: "10.0.0.1", lladdr: OUR_MAC, static: true }],
      });
    },
  ),

  scenario("arp/drop-bad-senders", "ARP from a multicast, broadcast or our own MAC is dropped", (s) => {
    s.cite(
      "10.4 if_ether.c in_arpinput (allow_multicast 0 && ETHER_IS_MULTICAST(ar_sha) → drop)",
      '10.4 if_ether.c in_arpinput (ar_sha == enaddr: "it\'s from me" → drop)',
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: "01:00:5e:00:00:01",
      src_ip: "10.0.0.2",
      target_ip: "10.0.0.1",
    }).expect({
      frames: [{ where: { "arp.operation": 2 }, count: 0 }],
      arp: [{ addr: "10.0.0.2", absent: true }],
    });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: "ff:ff:ff:ff:ff:ff",
      src_ip: "10.0.0.3",
      target_ip: "10.0.0.1",
    }).expect({
      frames: [{ where: { "arp.operation": 2 }, count: 0 }],
      arp: [{ addr: "10.0.0.3", absent: true }],
    });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: OUR_MAC,
      src_ip: "10.0.0.4",
      target_ip: "10.0.0.1",
    }).expect({
      frames: [{ where: { "arp.operation": 2 }, count: 0 }],
      arp: [{ addr: "10.0.0.4", absent: true }],
    });
  }),

  scenario("arp/proxyall", "With proxyall, requests for hosts behind another interface are answered", (s) => {
    s.cite(
      "10.4 if_ether.c in_arpinput reply: (V_arp_proxyall: route to itaddr on another interface, route to isaddr on this one)",
      "arp(4) (net.link.ether.inet.proxyall)",
    );
    s.tune("net.link.ether.inet.proxyall", 1);
    s.nic("vtnet1");
    s.nic("vtnet2");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.aifaddr("vtnet2", "10.0.1.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.1.5",
    }).expect({
      frames: [
        {
          ifname: "vtnet1",
          where: {
            "ethernet.dst": PEER_MAC,
            "arp.operation": 2,
            "arp.senderMac": OUR_MAC,
            "arp.senderIp": "10.0.1.5",
            "arp.targetIp": "10.0.0.2",
          },
          count: 1,
        },
      ],
    });
    // Not for a host on the interface the request came in on ("or we'll get into a fight").
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.0.7",
    }).expect({
      frames: [{ where: { "arp.operation": 2 }, count: 0 }],
    });
  }),

  scenario("arp/no-proxy-by-default", "Without proxyall the same request is not answered", (s) => {
    s.cite(
      "10.4 if_ether.c (arp_proxyall defaults to 0)",
      "10.4 if_ether.c in_arpinput (!V_arp_proxyall → drop)",
    );
    s.nic("vtnet1");
    s.nic("vtnet2");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.aifaddr("vtnet2", "10.0.1.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.1.5",
    }).expect({
      frames: [{ where: { "arp.operation": 2 }, count: 0 }],
    });
  }),
];
