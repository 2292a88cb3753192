// Aliases on one interface: a second address in the prefix of the first shares its prefix route
// (seed in.c in_addprefix 672-717, in_addralias_rtmsg 617-663), and deleting the address that
// holds the route hands it over (in_scrubprefix 727-816). Ports
// tests/sys/net/routing/test_routing_l3.py test_change_prefix_route_same_iface.

import { scenario } from "../../src/harness/scenario.ts";

export const addrAliasScenarios = [
  scenario("addr/alias-same-prefix", "A second address in the same prefix shares the prefix route", (s) => {
    s.cite(
      "seed in.c:672-717 in_addprefix",
      "seed in.c:617-663 in_addralias_rtmsg",
      "seed in.c:339-357 iaIsFirst",
    );
    s.nic("vtnet1");
    s.up("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.aifaddr("vtnet1", "10.0.0.2/24").expect({
      errno: "OK",
      addrs: [
        { ifname: "vtnet1", addr: "10.0.0.1/24", broadaddr: "10.0.0.255" },
        { ifname: "vtnet1", addr: "10.0.0.2/24", broadaddr: "10.0.0.255" },
      ],
      routes: [
        // seed 697-706: 10.0.0.1 holds IFA_ROUTE for 10.0.0.0/24, so no second rtinit; the route
        // keeps 10.0.0.1 as its ifa.
        { dst: "10.0.0.0/24", ifname: "vtnet1", ifa: "10.0.0.1" },
        // seed 452-468: 10.0.0.2 is on no other interface, so it gets its own loopback route.
        { dst: "10.0.0.2", ifname: "lo0", flags: ["HOST"] },
      ],
      rtsock: [
        // in_addralias_rtmsg: rt_newaddrmsg(RTM_ADD) of a copy of the prefix route whose gateway
        // is the new address (seed 651-658); 10.4 route.c rt_newaddrmsg_fib sends the
        // RTM_NEWADDR first, then the RTM_ADD.
        { type: "RTM_NEWADDR", addr: "10.0.0.2" },
        { type: "RTM_ADD", slots: { dst: "10.0.0.0", gateway: "10.0.0.2" } },
      ],
    });
  }),

  scenario(
    "addr/alias-delete-holder-same-if",
    "Deleting the address that holds the prefix route hands it to the alias on the same interface",
    (s) => {
      s.cite(
        "tests/sys/net/routing/test_routing_l3.py:test_change_prefix_route_same_iface",
        "seed in.c:773-816 in_scrubprefix (hand-over to an ia without IFA_ROUTE)",
      );
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "192.0.2.2/24").expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.0/24", ifname: "vtnet1", ifa: "192.0.2.1" }],
      });
      s.difaddr("vtnet1", "192.0.2.1").expect({
        errno: "OK",
        // seed 799-813: rtinit(RTM_DELETE) for the old holder, rtinit(RTM_ADD) for 192.0.2.2;
        // the FreeBSD test checks the interface and that a nexthop's ifa is 192.0.2.2.
        routes: [
          { dst: "192.0.2.0/24", ifname: "vtnet1", ifa: "192.0.2.2" },
          { dst: "192.0.2.1", absent: true },
          { dst: "192.0.2.2", ifname: "lo0" },
        ],
        addrs: [
          { ifname: "vtnet1", addr: "192.0.2.1", absent: true },
          { ifname: "vtnet1", addr: "192.0.2.2/24" },
        ],
        // 10.4 route.c rtinit1 + rt_newaddrmsg_fib: a delete sends RTM_DELETE then RTM_DELADDR,
        // an add RTM_NEWADDR then RTM_ADD.
        rtsock: [
          { type: "RTM_DELETE", addr: "192.0.2.0" },
          { type: "RTM_DELADDR", addr: "192.0.2.1" },
          { type: "RTM_NEWADDR", addr: "192.0.2.2" },
          { type: "RTM_ADD", addr: "192.0.2.0" },
        ],
      });
    },
  ),

  scenario(
    "addr/alias-delete-nonholder",
    "Deleting an alias that does not hold the prefix route leaves the route alone",
    (s) => {
      s.cite("seed in.c:768-771 in_scrubprefix (no IFA_ROUTE: in_addralias_rtmsg(RTM_DELETE))");
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.2/24").expect({ errno: "OK" });
      s.difaddr("vtnet1", "10.0.0.2").expect({
        errno: "OK",
        routes: [
          { dst: "10.0.0.0/24", ifname: "vtnet1", ifa: "10.0.0.1" },
          // seed 741-750: the loopback route of the deleted address goes (no other ia has it).
          { dst: "10.0.0.2", absent: true },
          { dst: "10.0.0.1", ifname: "lo0" },
        ],
        // The alias message is an RTM_DELETE of the prefix carrying 10.0.0.2 as gateway,
        // then RTM_DELADDR (10.4 rt_newaddrmsg_fib order for deletes).
        rtsock: [
          { type: "RTM_DELETE", slots: { dst: "10.0.0.0", gateway: "10.0.0.2" } },
          { type: "RTM_DELADDR", addr: "10.0.0.2" },
        ],
        // seed 591-601: not the last address, so 224.0.0.1 stays.
        groups: [{ ifname: "vtnet1", group: "224.0.0.1" }],
      });
    },
  ),

  scenario("addr/alias-other-prefix", "An alias in another prefix gets its own prefix route", (s) => {
    s.cite("seed in.c:672-717 in_addprefix (no matching prefix → rtinit)");
    s.nic("vtnet1");
    s.up("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.aifaddr("vtnet1", "10.0.1.1/24").expect({
      errno: "OK",
      routes: [
        { dst: "10.0.0.0/24", ifname: "vtnet1", ifa: "10.0.0.1" },
        // 10.4 route.c rtinit1 sets RTF_PINNED on interface routes.
        { dst: "10.0.1.0/24", ifname: "vtnet1", ifa: "10.0.1.1", flags: ["PINNED"], noflags: ["GATEWAY"] },
      ],
      rtsock: [
        { type: "RTM_NEWADDR", addr: "10.0.1.1" },
        { type: "RTM_ADD", slots: { dst: "10.0.1.0" } },
      ],
    });
  }),

  scenario(
    "addr/replace-only-address-leaves-allhosts",
    "Re-adding the only address deletes it as the last one and does not join all-hosts again",
    (s) => {
      s.cite(
        "seed in.c:339-357 (iaIsFirst cleared by the address being replaced)",
        "seed in.c:591-601 in_difaddr_ioctl (iaIsLast → leave 224.0.0.1)",
        "seed in.c:471-480 (join only when iaIsFirst)",
      );
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({
        errno: "OK",
        groups: [{ ifname: "vtnet1", group: "224.0.0.1" }],
      });
      // 10.4 keeps the group: reference/divergences.yaml
      // in-replace-only-address-leaves-allhosts.
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24" }],
        groups: [{ ifname: "vtnet1", group: "224.0.0.1", absent: true }],
        // No RTM_NEWMADDR: nothing joins. (10.4 if.c if_delmulti_locked announces RTM_DELMADDR
        // only while detaching, so the leave itself is seen in NET_RT_IFMALIST alone.)
        rtsock: ["RTM_DELADDR", "RTM_NEWADDR", { type: "RTM_NEWMADDR", absent: true }],
      });
    },
  ),

  scenario(
    "addr/delete-one-of-two-keeps-allhosts",
    "Deleting one of two addresses keeps 224.0.0.1; deleting the last leaves it",
    (s) => {
      s.cite("seed in.c:532-553 (iaIsLast)", "seed in.c:591-601 (leave only for the last address)");
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.1.1/24").expect({
        errno: "OK",
        // seed 471: iaIsFirst is false for the second address: no second join.
        rtsock: [{ type: "RTM_NEWMADDR", absent: true }],
      });
      s.difaddr("vtnet1", "10.0.0.1").expect({
        errno: "OK",
        groups: [{ ifname: "vtnet1", group: "224.0.0.1" }],
      });
      s.difaddr("vtnet1", "10.0.1.1").expect({
        errno: "OK",
        groups: [{ ifname: "vtnet1", group: "224.0.0.1", absent: true }],
      });
    },
  ),
];
