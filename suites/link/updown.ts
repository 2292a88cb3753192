// Interface down/up through SIOCSIFFLAGS. In this era IPv4 reacts through the raw IP protocol's
// ctlinput: if_down → if_unroute → pfctlinput(PRC_IFDOWN, ifa_addr) for each address →
// rip_ctlinput: in_scrubprefix(ia, 0) + in_ifadown(ia, 0) for an address holding its prefix
// route; if_up → PRC_IFUP: the loopback route is redone and the prefix route re-added
// (10.4 raw_ip.c rip_ctlinput; if.c if_down/if_up/if_unroute/if_route).

import { scenario } from "../../src/harness/scenario.ts";
import { PEER_MAC } from "../macs.ts";

export const linkScenarios = [
  scenario(
    "link/down-removes-prefix-route",
    "Taking the interface down removes its prefix route only",
    (s) => {
      s.cite(
        "10.4 raw_ip.c rip_ctlinput PRC_IFDOWN (IFA_ROUTE → in_scrubprefix(ia, 0), in_ifadown(ia, 0))",
        "seed in.c:735-758 (flags 0: the loopback route and the address's entry are kept)",
        "seed in.c:821-841 (lltable_prefix_free without LLE_STATIC; rtinit(RTM_DELETE))",
      );
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.arpSet("vtnet1", "10.0.0.5", "02:00:00:00:00:55").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      }).expect({
        arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC }],
      });
      s.down("vtnet1").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24" }],
        routes: [
          { dst: "10.0.0.0/24", absent: true },
          // RTF_STATIC and in_ifadown(..., 0) spares static routes; in_scrubprefix(ia, 0) skips
          // the loopback route (seed 735-737 need LLE_STATIC).
          { dst: "10.0.0.1", ifname: "lo0" },
        ],
        arp: [
          // in_lltable_prefix_free without LLE_STATIC (seed 1008-1010): dynamic entries go,
          // static ones stay, the interface address's own (static) entry too.
          { addr: "10.0.0.2", absent: true },
          { addr: "10.0.0.5", static: true },
          { addr: "10.0.0.1", static: true },
        ],
        rtsock: [{ type: "RTM_DELETE", addr: "10.0.0.0" }, "RTM_DELADDR", "RTM_IFINFO"],
      });
    },
  ),

  scenario(
    "link/up-restores-prefix-route",
    "Bringing the interface up again re-adds the prefix route",
    (s) => {
      s.cite(
        "10.4 raw_ip.c rip_ctlinput PRC_IFUP (no IFA_ROUTE: del loopback, rtinit(RTM_ADD), add loopback)",
        "10.4 if.c if_up → if_route → pfctlinput(PRC_IFUP)",
      );
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.down("vtnet1").expect({ errno: "OK", routes: [{ dst: "10.0.0.0/24", absent: true }] });
      s.up("vtnet1").expect({
        errno: "OK",
        routes: [
          { dst: "10.0.0.0/24", ifname: "vtnet1", ifa: "10.0.0.1", flags: ["PINNED"] },
          { dst: "10.0.0.1", ifname: "lo0" },
        ],
        rtsock: [
          { type: "RTM_NEWADDR", addr: "10.0.0.1" },
          { type: "RTM_ADD", addr: "10.0.0.0" },
        ],
      });
    },
  ),

  scenario(
    "link/down-hands-prefix-to-other-iface",
    "Taking the holder's interface down hands the prefix over",
    (s) => {
      s.cite(
        "10.4 raw_ip.c rip_ctlinput PRC_IFDOWN",
        "seed in.c:773-816 in_scrubprefix (an IFF_UP address of the same prefix takes the route)",
        "10.4 route.c rtinit1 (EEXIST: delete the holder, retry) and rtrequest1_fib (RTF_PINNED → EADDRINUSE)",
      );
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.up("vtnet1");
      s.up("vtnet2");
      s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "192.0.2.2/24").expect({ errno: "OK" });
      s.down("vtnet1").expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.0/24", ifname: "vtnet2", ifa: "192.0.2.2" }],
      });
      // vtnet1 comes back: its address no longer holds IFA_ROUTE (in_ifadown cleared it), so
      // PRC_IFUP calls rtinit(RTM_ADD), which finds the prefix (EEXIST) and tries to delete it
      // without RTF_PINNED (10.4 route.c rtinit1); rtrequest1_fib refuses to delete a pinned
      // route (EADDRINUSE). The route stays with vtnet2 and nothing is announced for it.
      s.up("vtnet1").expect({
        errno: "OK",
        routes: [
          { dst: "192.0.2.0/24", ifname: "vtnet2", ifa: "192.0.2.2" },
          { dst: "192.0.2.1", ifname: "lo0" },
        ],
        rtsock: [{ type: "RTM_ADD", addr: "192.0.2.0", absent: true }],
      });
    },
  ),

  scenario(
    "link/down-up-ifinfo",
    "SIOCSIFFLAGS down and up each announce RTM_IFINFO with the new flags",
    (s) => {
      s.cite("10.4 if.c if_unroute/if_route → rt_ifmsg", "ifconfig(8) (down, up)");
      s.nic("vtnet1");
      s.down("vtnet1").note("start from down whatever the NIC's initial state").expect({ errno: "OK" });
      s.up("vtnet1").expect({
        errno: "OK",
        rtsock: [{ type: "RTM_IFINFO", ifname: "vtnet1", flags: ["UP"] }],
      });
      s.down("vtnet1").expect({
        errno: "OK",
        rtsock: [{ type: "RTM_IFINFO", ifname: "vtnet1", noflags: ["UP"] }],
      });
    },
  ),
];
