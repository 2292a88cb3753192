// Interface detach with IPv4 configured: if_detach purges the addresses through in_control's
// SIOCDIFADDR path (td == NULL: no privilege or jail checks, seed in.c 520-524, 542-549), then
// in_ifdetach/in_purgemaddrs (seed 891-950) and in_domifdetach free the rest (seed 1278-1285).

import { scenario } from "../../src/harness/scenario.ts";

export const detachScenarios = [
  scenario(
    "detach/epair-destroy-purges",
    "Destroying an epair removes its addresses, routes and groups",
    (s) => {
      s.cite(
        "10.4 if.c if_detach_internal (if_purgeaddrs → in_control(SIOCDIFADDR, td NULL))",
        "seed in.c:891-898 in_ifdetach, 907-950 in_purgemaddrs",
        "10.4 if_epair.c epair_clone_destroy",
      );
      // tun would be the obvious choice, but the harness keeps /dev/tunN open and 10.4 if_tun.c
      // cannot destroy an open tun; epair has no such hold.
      s.nic("epair0a", { driver: "epair" });
      s.aifaddr("epair0a", "198.51.100.1/24").expect({
        errno: "OK",
        groups: [{ ifname: "epair0a", group: "224.0.0.1" }],
      });
      s.aifaddr("epair0a", "203.0.113.1/24").expect({ errno: "OK" });
      s.ifdestroy("epair0a").expect({
        errno: "OK",
        addrs: [
          { ifname: "epair0a", addr: "198.51.100.1", absent: true },
          { ifname: "epair0a", addr: "203.0.113.1", absent: true },
        ],
        routes: [
          { dst: "198.51.100.0/24", absent: true },
          { dst: "203.0.113.0/24", absent: true },
          { dst: "198.51.100.1", absent: true },
          { dst: "203.0.113.1", absent: true },
        ],
        groups: [{ ifname: "epair0a", group: "224.0.0.1", absent: true }],
        rtsock: [
          { type: "RTM_DELADDR", addr: "198.51.100.1" },
          { type: "RTM_DELADDR", addr: "203.0.113.1" },
          { type: "RTM_IFANNOUNCE", ifname: "epair0a" },
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

  scenario("detach/ioctl-after-destroy", "After destroy the interface's name is unknown: ENXIO", (s) => {
    s.cite("10.4 if.c ifioctl (ifunit_ref(ifr_name) == NULL → ENXIO)", "10.4 if.c if_detach_internal");
    s.nic("epair0a", { driver: "epair" });
    s.aifaddr("epair0a", "198.51.100.1/24").expect({ errno: "OK" });
    s.ifdestroy("epair0a").expect({ errno: "OK" });
    s.ioctl("SIOCGIFADDR", "epair0a").expect({ errno: "ENXIO" });
    s.aifaddr("epair0a", "198.51.100.1/24").expect({ errno: "ENXIO" });
  }),

  scenario(
    "detach/ioctl-on-missing-interface",
    "An ioctl naming an interface that does not exist is ENXIO",
    (s) => {
      s.cite("10.4 if.c ifioctl (ifunit_ref(ifr_name) == NULL → ENXIO)");
      s.nic("vtnet1");
      s.aifaddr({ missing: "vtnet9" }, "10.0.0.1/24").expect({ errno: "ENXIO" });
      s.ioctl("SIOCGIFADDR", { missing: "vtnet9" }).expect({ errno: "ENXIO" });
    },
  ),
];
