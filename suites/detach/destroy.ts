// Interface detach with IPv4 configured: if_detach purges the addresses through in_control's
// SIOCDIFADDR path (td == NULL: no privilege or jail checks, seed in.c 520-524, 542-549), then
// in_ifdetach/in_purgemaddrs (seed 891-950) and in_domifdetach free the rest (seed 1278-1285).

import { scenario } from "../../src/harness/scenario.ts";

export const detachScenarios = [
  scenario(
    "detach/tun-destroy",
    "Destroying tun0 removes its addresses, routes and group memberships",
    (s) => {
      s.cite(
        "10.4 if.c if_detach_internal (if_purgeaddrs → in_control(SIOCDIFADDR, td NULL))",
        "seed in.c:891-898 in_ifdetach, 907-950 in_purgemaddrs",
        "10.4 if_tun.c tun_destroy",
      );
      s.nic("tun0", { driver: "tun" });
      s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.2" }).expect({
        errno: "OK",
        groups: [{ ifname: "tun0", group: "224.0.0.1" }],
      });
      s.ifdestroy("tun0").expect({
        errno: "OK",
        addrs: [{ ifname: "tun0", addr: "10.1.0.1", absent: true }],
        routes: [
          { dst: "10.1.0.2", absent: true },
          { dst: "10.1.0.1", absent: true },
        ],
        groups: [{ ifname: "tun0", group: "224.0.0.1", absent: true }],
        rtsock: [
          { type: "RTM_DELADDR", addr: "10.1.0.1" },
          { type: "RTM_IFANNOUNCE", ifname: "tun0" },
        ],
      });
    },
  ),

  scenario(
    "detach/epair-destroy",
    "Destroying an epair with an address leaves lo0 and other interfaces alone",
    (s) => {
      s.cite("10.4 if.c if_detach_internal", "10.4 if_epair.c epair_clone_destroy (both halves go)");
      s.nic("epair0a", { driver: "epair" });
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("epair0a", "198.51.100.1/24").expect({ errno: "OK" });
      s.ifdestroy("epair0a").expect({
        errno: "OK",
        routes: [
          { dst: "198.51.100.0/24", absent: true },
          { dst: "198.51.100.1", absent: true },
          { dst: "10.0.0.0/24", ifname: "vtnet1" },
          { dst: "10.0.0.1", ifname: "lo0" },
          { dst: "127.0.0.1", ifname: "lo0" },
        ],
        arp: [
          { addr: "198.51.100.1", absent: true },
          { addr: "10.0.0.1", static: true },
        ],
      });
    },
  ),

  scenario("detach/destroy-then-recreate", "A destroyed interface can be created again, clean", (s) => {
    s.cite(
      "10.4 if_clone.c if_clone_create/if_clone_destroy",
      "seed in.c:1257-1276 in_domifattach (fresh lltable)",
    );
    s.nic("tun0", { driver: "tun" });
    s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.2" }).expect({ errno: "OK" });
    s.ifdestroy("tun0").expect({ errno: "OK" });
    s.ifcreate("tun0").expect({
      errno: "OK",
      addrs: [{ ifname: "tun0", addr: "10.1.0.1", absent: true }],
      routes: [{ dst: "10.1.0.2", absent: true }],
    });
    s.ioctl("SIOCGIFADDR", "tun0").expect({ errno: "EADDRNOTAVAIL" });
  }),

  scenario(
    "detach/ioctl-on-missing-interface",
    "An ioctl naming an interface that does not exist is ENXIO",
    (s) => {
      s.cite("10.4 if.c ifioctl (ifunit_ref(ifr_name) == NULL → ENXIO)");
      s.nic("vtnet1");
      s.aifaddr("vtnet9", "10.0.0.1/24").expect({ errno: "ENXIO" });
      s.ioctl("SIOCGIFADDR", "vtnet9").expect({ errno: "ENXIO" });
    },
  ),
];
