// One prefix on two interfaces: the first address serves the prefix route, the second is
// announced as an alias; net.inet.ip.no_same_prefix refuses the second outright (seed in.c
// in_addprefix 672-717). Deleting the holder hands the route over to an address on an interface
// that is up (in_scrubprefix 773-816). Ports tests/sys/net/routing/test_routing_l3.py
// test_change_prefix_route.

import { scenario } from "../../src/harness/scenario.ts";

export const addrPrefixScenarios = [
  scenario(
    "addr/same-prefix-two-ifaces",
    "The same prefix on a second interface is served by the first",
    (s) => {
      s.cite("seed in.c:672-717 in_addprefix (IFA_ROUTE held by another address → alias message)");
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.up("vtnet1");
      s.up("vtnet2");
      s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "192.0.2.2/24").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet2", addr: "192.0.2.2/24", broadaddr: "192.0.2.255" }],
        routes: [
          // test_change_prefix_route: "prefix should be pointing to the first interface".
          { dst: "192.0.2.0/24", ifname: "vtnet1", ifa: "192.0.2.1" },
          { dst: "192.0.2.2", ifname: "lo0" },
        ],
        rtsock: [
          { type: "RTM_NEWADDR", addr: "192.0.2.2", ifname: "vtnet2" },
          { type: "RTM_ADD", slots: { dst: "192.0.2.0", gateway: "192.0.2.2" } },
        ],
        // seed 471-480: the first IPv4 address of vtnet2 joins all-hosts there.
        groups: [{ ifname: "vtnet2", group: "224.0.0.1" }],
      });
    },
  ),

  scenario(
    "addr/same-prefix-handover",
    "Deleting the prefix holder moves the prefix route to the other interface",
    (s) => {
      s.cite(
        "tests/sys/net/routing/test_routing_l3.py:test_change_prefix_route",
        "seed in.c:773-816 in_scrubprefix (hand-over)",
      );
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.up("vtnet1");
      s.up("vtnet2");
      s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "192.0.2.2/24").expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.0/24", ifname: "vtnet1" }],
      });
      s.difaddr("vtnet1", "192.0.2.1").expect({
        errno: "OK",
        // test_change_prefix_route: after the delete the prefix points at the second interface.
        routes: [{ dst: "192.0.2.0/24", ifname: "vtnet2", ifa: "192.0.2.2", flags: ["PINNED"] }],
        rtsock: [
          { type: "RTM_DELETE", addr: "192.0.2.0", ifname: "vtnet1" },
          { type: "RTM_DELADDR", addr: "192.0.2.1" },
          { type: "RTM_NEWADDR", addr: "192.0.2.2", ifname: "vtnet2" },
          { type: "RTM_ADD", addr: "192.0.2.0", ifname: "vtnet2" },
        ],
      });
    },
  ),

  scenario(
    "addr/same-prefix-no-handover-when-down",
    "The prefix route is not handed to an address on an interface that is down",
    (s) => {
      s.cite(
        "seed in.c:790-791 in_scrubprefix (IFF_UP clear → skip)",
        "seed in.c:821-841 (remove the route)",
      );
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
      // SIOCAIFADDR brings vtnet2 up (10.4 if_ethersubr.c ether_ioctl SIOCSIFADDR sets IFF_UP)...
      s.aifaddr("vtnet2", "192.0.2.2/24").expect({ errno: "OK" });
      // ...so take it down again; its address holds no route, so the PRC_IFDOWN does nothing.
      s.down("vtnet2").expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.0/24", ifname: "vtnet1" }],
      });
      s.difaddr("vtnet1", "192.0.2.1").expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.0/24", absent: true }],
        addrs: [{ ifname: "vtnet2", addr: "192.0.2.2/24" }],
      });
    },
  ),

  scenario(
    "addr/no-same-prefix-other-iface",
    "With net.inet.ip.no_same_prefix=1 the same prefix on another interface is refused",
    (s) => {
      s.cite(
        "seed in.c:76-82 (net.inet.ip.no_same_prefix)",
        "seed in.c:697-702 in_addprefix (V_nosameprefix → EEXIST)",
        "seed in.c:490-507 (fail2, fail1 unwinding)",
      );
      s.tune("net.inet.ip.no_same_prefix", 1);
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.up("vtnet1");
      s.up("vtnet2");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "10.0.0.2/24").expect({
        errno: "EEXIST",
        addrs: [
          { ifname: "vtnet2", addr: "10.0.0.2", absent: true },
          { ifname: "vtnet1", addr: "10.0.0.1/24" },
        ],
        routes: [
          { dst: "10.0.0.0/24", ifname: "vtnet1" },
          // fail2 comes before the loopback route is added (seed 446-468).
          { dst: "10.0.0.2", absent: true },
        ],
        // The SIOCSIFADDR to the driver ran before in_addprefix (seed 435-437): 10.4
        // if_ether.c arp_ifinit announced 10.0.0.2 and made its LLE_IFADDR entry, which
        // fail2/fail1 do not scrub (only fail3 calls in_scrubprefix, seed 486-488).
        frames: [
          {
            ifname: "vtnet2",
            where: { "arp.operation": 1, "arp.senderIp": "10.0.0.2", "arp.targetIp": "10.0.0.2" },
          },
        ],
        arp: [{ addr: "10.0.0.2", ifname: "vtnet2", lladdr: "02:00:00:00:00:02", static: true }],
      });
    },
  ),

  scenario(
    "addr/no-same-prefix-same-iface",
    "With net.inet.ip.no_same_prefix=1 even an alias in the prefix on the same interface is refused",
    (s) => {
      s.cite("seed in.c:684-711 in_addprefix (every in_ifaddr is compared, whatever its interface)");
      s.tune("net.inet.ip.no_same_prefix", 1);
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.2/24").expect({
        errno: "EEXIST",
        addrs: [
          { ifname: "vtnet1", addr: "10.0.0.2", absent: true },
          { ifname: "vtnet1", addr: "10.0.0.1/24" },
        ],
      });
      // A different prefix is still fine.
      s.aifaddr("vtnet1", "10.0.1.1/24").expect({
        errno: "OK",
        routes: [{ dst: "10.0.1.0/24", ifname: "vtnet1" }],
      });
    },
  ),

  scenario("addr/no-same-prefix-sysctl", "net.inet.ip.no_same_prefix reads 0 by default and takes 1", (s) => {
    s.cite("seed in.c:76-82 (SYSCTL_VNET_INT no_same_prefix, CTLFLAG_RW, default 0)");
    s.sysctl("net.inet.ip.no_same_prefix").expect({ errno: "OK", data: { hex: "00000000" } });
    s.sysctl("net.inet.ip.no_same_prefix", 1).expect({ errno: "OK", data: { hex: "00000000" } });
    s.sysctl("net.inet.ip.no_same_prefix").expect({ errno: "OK", data: { hex: "01000000" } });
  }),
];
