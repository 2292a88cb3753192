// Static and published entries through the routing socket (10.4 if_llatbl.c lla_rt_output;
// route(4) RTF_LLDATA messages as arp(8) writes them). Ports tests/sys/netinet/arp.sh static and
// tests/sys/net/routing/test_rtsock_lladdr.c rtm_add_v4_gu_lle_success /
// rtm_del_v4_gu_lle_success.

import { scenario } from "../../src/harness/scenario.ts";
import { OUR_MAC, PEER_MAC, ZERO_MAC } from "../macs.ts";

export const arpStaticScenarios = [
  scenario("arp/rtsock-lle-add", "RTM_ADD of an ARP entry is echoed with its DST and link GATEWAY", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_lladdr.c:rtm_add_v4_gu_lle_success (next address after self)",
      "10.4 rtsock.c route_output (RTF_LLDATA + AF_LINK gateway → lla_rt_output; the message is sent back)",
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
    s.arpSet("vtnet1", "192.0.2.2", PEER_MAC).expect({
      errno: "OK",
      rtsock: [
        {
          type: "RTM_ADD",
          slots: { dst: "192.0.2.2", gateway: PEER_MAC },
          flags: ["LLDATA", "STATIC", "DONE"],
        },
      ],
      arp: [{ addr: "192.0.2.2", ifname: "vtnet1", lladdr: PEER_MAC, static: true }],
    });
  }),

  scenario(
    "arp/rtsock-lle-delete",
    "RTM_DELETE of an ARP entry is echoed as RTM_DELETE and the entry goes",
    (s) => {
      s.cite(
        "tests/sys/net/routing/test_rtsock_lladdr.c:rtm_del_v4_gu_lle_success",
        "seed in.c:1154-1170 in_lltable_lookup (LLE_DELETE: static entries are freed at once)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
      s.arpSet("vtnet1", "192.0.2.2", PEER_MAC).expect({ errno: "OK" });
      s.arpDelete("vtnet1", "192.0.2.2").expect({
        errno: "OK",
        rtsock: [{ type: "RTM_DELETE", slots: { dst: "192.0.2.2" } }],
        arp: [{ addr: "192.0.2.2", absent: true }],
      });
    },
  ),

  scenario(
    "arp/static-survives-garp",
    "A permanent entry is not changed by the host's gratuitous ARP, and nothing is sent back",
    (s) => {
      s.cite(
        "tests/sys/netinet/arp.sh:static (arp -s ipb 0:0:0:0:0:0, then B's ifconfig sends a GARP)",
        "10.4 if_ether.c in_arpinput (LLE_STATIC → goto reply; target not ours, not published → drop)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "198.51.100.1/24").expect({ errno: "OK" });
      s.arpSet("vtnet1", "198.51.100.2", ZERO_MAC).expect({ errno: "OK" });
      s.inject("vtnet1", { kind: "garp", src_mac: PEER_MAC, ip: "198.51.100.2" }).expect({
        // arp.sh: "? (198.51.100.2) at 00:00:00:00:00:00 on epair0a permanent [ethernet]".
        arp: [{ addr: "198.51.100.2", ifname: "vtnet1", lladdr: ZERO_MAC, static: true }],
        frames: [{ where: { "arp.operation": 2 }, count: 0 }],
      });
    },
  ),

  scenario(
    "arp/static-replaces-dynamic",
    "arp -d of a learned entry, then arp -s (arp -S): the entry becomes permanent",
    (s) => {
      s.cite(
        "tests/sys/netinet/arp.sh:static (second half: arp -nd, ping from B, arp -S ipb 0:0:0:0:0:0)",
        "10.4 if_llatbl.c lla_rt_output (RTM_ADD: rmx_expire 0 → LLE_STATIC, la_expire 0)",
      );
      s.tune("net.link.ether.inet.max_age", 1200);
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "198.51.100.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "198.51.100.2",
        target_ip: "198.51.100.1",
      }).expect({
        // arp.sh: "... at $eth on epair0a expires in ${max_age} seconds".
        arp: [{ addr: "198.51.100.2", lladdr: PEER_MAC, static: false }],
      });
      s.arpDelete("vtnet1", "198.51.100.2").expect({
        errno: "OK",
        arp: [{ addr: "198.51.100.2", absent: true }],
      });
      s.arpSet("vtnet1", "198.51.100.2", ZERO_MAC).expect({
        errno: "OK",
        arp: [{ addr: "198.51.100.2", lladdr: ZERO_MAC, static: true }],
      });
    },
  ),

  scenario("arp/static-over-dynamic", "arp -s over a learned entry succeeds and makes it permanent", (s) => {
    s.cite(
      'tests/sys/netinet/arp.sh:static ("Note: this doesn\'t fail, tracked all the way down to FreeBSD 8")',
      "10.4 if_llatbl.c lla_rt_output (an existing entry is updated: ll_addr, LLE_VALID, LLE_STATIC)",
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "198.51.100.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "198.51.100.2",
      target_ip: "198.51.100.1",
    }).expect({ arp: [{ addr: "198.51.100.2", lladdr: PEER_MAC, static: false }] });
    s.arpSet("vtnet1", "198.51.100.2", ZERO_MAC).expect({
      errno: "OK",
      arp: [{ addr: "198.51.100.2", lladdr: ZERO_MAC, static: true }],
    });
  }),

  scenario("arp/static-survives-max-age", "A permanent entry outlives net.link.ether.inet.max_age", (s) => {
    s.cite(
      "10.4 if_ether.c arptimer (LLE_STATIC → return)",
      "seed in.c:1241-1245 in_lltable_dump (rmx_expire 0)",
    );
    s.tune("net.link.ether.inet.max_age", 5);
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", { kind: "arp-request", src_mac: PEER_MAC, src_ip: "10.0.0.2", target_ip: "10.0.0.1" });
    s.arpSet("vtnet1", "10.0.0.2", PEER_MAC).expect({
      errno: "OK",
      arp: [{ addr: "10.0.0.2", static: true }],
    });
    s.sleep(10).expect({ arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC, static: true }] });
  }),

  scenario("arp/delete-missing", "arp -d of an address without an entry is EINVAL", (s) => {
    s.cite("10.4 if_llatbl.c lla_rt_output (lle == NULL && LLE_DELETE → EINVAL)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.arpDelete("vtnet1", "10.0.0.9").expect({ errno: "EINVAL" });
  }),

  scenario("arp/delete-own-address-entry", "arp -d of our own address succeeds but keeps the entry", (s) => {
    s.cite(
      "10.4 if_llatbl.c lla_rt_output (RTM_DELETE: flags LLE_DELETE without LLE_IFADDR; (void *)-1 is no error)",
      "seed in.c:1154-1170 in_lltable_lookup (LLE_IFADDR entries are only deleted with LLE_IFADDR)",
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.arpDelete("vtnet1", "10.0.0.1").expect({
      errno: "OK",
      arp: [{ addr: "10.0.0.1", lladdr: OUR_MAC, static: true }],
    });
  }),

  scenario(
    "arp/static-off-net-ignored",
    "arp -s for an address no route covers writes fine but adds nothing",
    (s) => {
      s.cite(
        "seed in.c:1127-1140 (LLE_CREATE: in_lltable_rtcheck fails → NULL)",
        "seed in.c:1034-1036 in_lltable_rtcheck (no route → EINVAL)",
        "10.4 if_llatbl.c lla_rt_output (NULL without LLE_DELETE: error stays 0)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.arpSet("vtnet1", "192.168.5.5", PEER_MAC).expect({
        errno: "OK",
        arp: [{ addr: "192.168.5.5", absent: true }],
      });
    },
  ),

  scenario(
    "arp/published-entry",
    "A published entry is announced and answers requests for its address",
    (s) => {
      s.cite(
        "10.4 if_llatbl.c lla_rt_output (RTF_ANNOUNCE → LLE_PUB; gratuitous arprequest with the entry's MAC)",
        "seed in.c:1224-1226 in_lltable_dump (LLE_PUB → RTF_ANNOUNCE)",
        "10.4 if_ether.c in_arpinput reply: (lle with LLE_PUB: sha := lle->ll_addr)",
        "arp(8) (-s ... pub)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.add({
        op: "route",
        type: "RTM_ADD",
        dst: "10.0.0.50",
        lladdr: "02:00:00:00:00:50",
        ifname: "vtnet1",
        flags: ["ANNOUNCE"],
      })
        .note("arp -s 10.0.0.50 02:00:00:00:00:50 pub")
        .expect({
          errno: "OK",
          arp: [{ addr: "10.0.0.50", lladdr: "02:00:00:00:00:50", static: true, flags: ["PROTO2"] }], // RTF_ANNOUNCE is RTF_PROTO2
          frames: [
            {
              ifname: "vtnet1",
              where: {
                "ethernet.dst": "ff:ff:ff:ff:ff:ff",
                "arp.operation": 1,
                "arp.senderMac": "02:00:00:00:00:50",
                "arp.senderIp": "10.0.0.50",
                "arp.targetIp": "10.0.0.50",
              },
              count: 1,
            },
          ],
        });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.50",
      }).expect({
        frames: [
          {
            ifname: "vtnet1",
            where: {
              "ethernet.dst": PEER_MAC,
              "arp.operation": 2,
              "arp.senderMac": "02:00:00:00:00:50",
              "arp.senderIp": "10.0.0.50",
              "arp.targetIp": "10.0.0.2",
            },
            count: 1,
          },
        ],
        // itaddr is not ours, so the requester is not learned (flags 0, no entry to update).
        arp: [{ addr: "10.0.0.2", absent: true }],
      });
    },
  ),
];
