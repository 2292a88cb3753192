// One address on two interfaces (a /24 on one, a /32 on the other), then one of them removed:
// the loopback route to the address is shared (seed in.c in_localip_more 136-154, 452-468) and
// switched to the survivor on delete (in_scrubprefix 735-758). Ports
// tests/sys/netinet/fibs_test.sh same_ip_multiple_ifaces_fib0 (PR kern/189089: "Hopefully the
// machine won't panic"), with the state the seed leaves checked as well.

import { scenario } from "../../src/harness/scenario.ts";

export const sameIpScenarios = [
  scenario(
    "sameip/add-second-shares-loopback",
    "The same address on a second interface adds no second loopback route",
    (s) => {
      s.cite("seed in.c:136-154 in_localip_more", "seed in.c:457-468 (eia != NULL → no loopback route)");
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.aifaddr("vtnet1", "192.0.2.2/24").expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.2", ifname: "lo0", gateway: "link#vtnet1" }],
      });
      s.aifaddr("vtnet2", "192.0.2.2/32").expect({
        errno: "OK",
        addrs: [
          { ifname: "vtnet1", addr: "192.0.2.2/24" },
          { ifname: "vtnet2", addr: "192.0.2.2/32" },
        ],
        // The loopback route still belongs to vtnet1's address (10.4 if.c
        // ifa_add_loopback_route writes the ifa's interface into the gateway's sdl_index).
        routes: [
          { dst: "192.0.2.2", ifname: "lo0", gateway: "link#vtnet1" },
          { dst: "192.0.2.0/24", ifname: "vtnet1" },
        ],
      });
    },
  ),

  scenario(
    "sameip/delete-from-second",
    "Deleting the /32 copy keeps the loopback route and the /24 prefix",
    (s) => {
      s.cite(
        "tests/sys/netinet/fibs_test.sh:same_ip_multiple_ifaces_fib0 (first half: ifconfig TAP1 -alias)",
        "seed in.c:741-747 (eia → ifa_switch_loopback_route)",
        "10.4 if.c ifa_switch_loopback_route (sdl_index of the gateway := eia's interface)",
      );
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.aifaddr("vtnet1", "192.0.2.2/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "192.0.2.2/32").expect({ errno: "OK" });
      s.difaddr("vtnet2", "192.0.2.2").expect({
        errno: "OK",
        addrs: [
          { ifname: "vtnet2", addr: "192.0.2.2", absent: true },
          { ifname: "vtnet1", addr: "192.0.2.2/24" },
        ],
        routes: [
          { dst: "192.0.2.2", ifname: "lo0", gateway: "link#vtnet1" },
          { dst: "192.0.2.0/24", ifname: "vtnet1", ifa: "192.0.2.2" },
        ],
        // arp_ifscrub scrubs vtnet2's entry (seed 754-756); then, as 192.0.2.2/32 has no other
        // holder, lltable_prefix_free(192.0.2.2/32, LLE_STATIC) (seed 821-833) runs over every
        // AF_INET lltable (10.4 if_llatbl.c lltable_prefix_free walks V_lltables), so vtnet1's
        // own entry for 192.0.2.2 goes too, though vtnet1 keeps the address.
        arp: [{ addr: "192.0.2.2", absent: true }],
      });
    },
  ),

  scenario(
    "sameip/delete-from-first",
    "Deleting the /24 copy switches the loopback route to the /32 copy and drops the /24 prefix",
    (s) => {
      s.cite(
        "tests/sys/netinet/fibs_test.sh:same_ip_multiple_ifaces_fib0 (second half: ifconfig TAP0 -alias)",
        "seed in.c:741-747 (ifa_switch_loopback_route to vtnet2's address)",
        "seed in.c:821-841 (no other /24 holder: the prefix goes)",
      );
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.aifaddr("vtnet1", "192.0.2.2/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "192.0.2.2/32").expect({ errno: "OK" });
      s.difaddr("vtnet1", "192.0.2.2").expect({
        errno: "OK",
        addrs: [
          { ifname: "vtnet1", addr: "192.0.2.2", absent: true },
          { ifname: "vtnet2", addr: "192.0.2.2/32" },
        ],
        routes: [
          // ifa_switch_loopback_route points the gateway at vtnet2. The route's rt_ifa is not
          // vtnet1's address (10.4 if.c ifa_add_loopback_route sets rti_ifp = V_loif and no
          // rti_ifa, so rt_getifa_fib chose lo0's own ifaddr), so in_ifadown(ia, 1) (seed 581)
          // leaves it alone.
          { dst: "192.0.2.2", ifname: "lo0", gateway: "link#vtnet2" },
          { dst: "192.0.2.0/24", absent: true },
        ],
        // As above: the /24's lltable_prefix_free covers vtnet2's entry for 192.0.2.2 as well.
        arp: [{ addr: "192.0.2.2", absent: true }],
      });
      // The survivor can be deleted too; ifa_del_loopback_route removes the switched route (seed 749).
      s.difaddr("vtnet2", "192.0.2.2").expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.2", absent: true }],
        addrs: [{ ifname: "vtnet2", addr: "192.0.2.2", absent: true }],
      });
    },
  ),
];
