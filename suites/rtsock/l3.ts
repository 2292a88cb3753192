// Ports of tests/sys/net/routing/test_rtsock_l3.c (IPv4 cases) to the seed's era. The test runs
// on 14.x; where the 10.4-era routing socket answers differently the expectation here is the
// era's, with the release difference noted (not catalogued: no 14.x reference is recorded).
// Addresses as in the test: 192.0.2.1/24 on the
// interface, a /25 sub-prefix via 192.0.2.254.
// The era's code: 10.4 rtsock.c route_output, route.c rtinit1/rt_newaddrmsg_fib, radix.c
// rn_lookup; seed in.c for the address side.

import * as RT from "../../src/abi/route.ts";
import { parseIpv4 } from "../../src/abi/in.ts";
import { AF_INET, SOCKADDR_IN_SIZE, type SockaddrIn } from "../../src/abi/socket.ts";
import { toHex } from "../../src/harness/ops.ts";
import { scenario, type ScenarioBuilder } from "../../src/harness/scenario.ts";

const sin = (a: string): SockaddrIn => ({
  sin_len: SOCKADDR_IN_SIZE,
  sin_family: AF_INET,
  sin_port: 0,
  sin_addr: parseIpv4(a) ?? 0,
});

/** A routing message with exactly these sockaddrs and flags, as the test's helpers build it. */
function rtmsg(type: number, flags: number, addrs: RT.RtAddrs): string {
  const m = RT.newRoutingMessage(type, addrs);
  if (m.kind !== "rt") throw new Error("expected an rt_msghdr message");
  m.hdr.rtm_flags = flags >>> 0;
  return toHex(RT.encodeRoutingMessage(m));
}

/** presetup_ipv4: the interface up with 192.0.2.1/24. */
function presetup(s: ScenarioBuilder): void {
  s.nic("vtnet1");
  s.up("vtnet1");
  s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
}

const getRoute = (s: ScenarioBuilder, dst: string) => s.add({ op: "route", type: "RTM_GET", dst });

export const rtsockL3Scenarios = [
  scenario("rtsock/ifa-add-ordered", "RTM_NEWADDR comes before the prefix route's RTM_ADD", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_add_v4_gu_ifa_ordered_success",
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_add_v4_gu_ifa_prefixroute_success",
      "10.4 route.c rt_newaddrmsg_fib (RTM_ADD: rt_addrmsg, then rt_routemsg)",
      "10.4 route.c rtinit1 (RTF_PINNED; gateway sdl_index := rt_ifp's index)",
    );
    s.nic("vtnet1");
    s.up("vtnet1");
    s.aifaddr("vtnet1", "192.0.2.1/24").expect({
      errno: "OK",
      rtsock: [
        { type: "RTM_NEWADDR", addr: "192.0.2.1", ifname: "vtnet1" },
        // The prefix route: UP|PINNED, link gateway of vtnet1. (14.x also shows DONE.)
        {
          type: "RTM_ADD",
          ifname: "vtnet1",
          slots: { dst: "192.0.2.0", gateway: "link#vtnet1" },
          flags: ["UP", "PINNED"],
          noflags: ["GATEWAY", "HOST"],
        },
      ],
    });
  }),

  scenario(
    "rtsock/ifa-del-prefixroute",
    "Deleting the address announces the prefix route's RTM_DELETE",
    (s) => {
      s.cite(
        "tests/sys/net/routing/test_rtsock_l3.c:rtm_del_v4_gu_ifa_prefixroute_success",
        "10.4 route.c rt_newaddrmsg_fib (RTM_DELETE: rt_routemsg, then rt_addrmsg)",
        "10.4 route.c rtrequest1_fib (a removed route loses RTF_UP)",
      );
      presetup(s);
      s.difaddr("vtnet1", "192.0.2.1").expect({
        errno: "OK",
        rtsock: [
          // 14.x: flags DONE|PINNED; the era's message has no DONE (not a reply to a writer).
          {
            type: "RTM_DELETE",
            ifname: "vtnet1",
            slots: { dst: "192.0.2.0", gateway: "link#vtnet1" },
            flags: ["PINNED"],
            noflags: ["UP"],
          },
          { type: "RTM_DELADDR", addr: "192.0.2.1" },
        ],
      });
    },
  ),

  scenario("rtsock/get-exact", "RTM_GET of the interface prefix with its mask", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_get_v4_exact_success",
      "10.4 rtsock.c route_output (RTM_GET with a netmask → rnh_lookup; RTF_DONE on success)",
    );
    presetup(s);
    getRoute(s, "192.0.2.0/24").expect({
      errno: "OK",
      rtsock: [
        {
          type: "RTM_GET",
          slots: { dst: "192.0.2.0", gateway: "link#vtnet1" },
          flags: ["UP", "DONE", "PINNED"],
          noflags: ["GATEWAY"],
        },
      ],
    });
  }),

  scenario("rtsock/get-lpm", "RTM_GET of an address without a mask finds the covering prefix", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_get_v4_lpm_success",
      "10.4 rtsock.c route_output (no netmask → rnh_matchaddr, longest prefix)",
    );
    presetup(s);
    getRoute(s, "192.0.2.0").expect({
      errno: "OK",
      rtsock: [{ type: "RTM_GET", slots: { dst: "192.0.2.0" }, flags: ["UP", "DONE", "PINNED"] }],
    });
  }),

  scenario("rtsock/get-hostbits", "RTM_GET of 192.0.2.1/24 (host bits set) is ESRCH in this era", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_get_v4_hostbits_success (14.x: succeeds)",
      "10.4 rtsock.c route_output (with a netmask: rnh_lookup(dst, mask); NULL → ESRCH)",
      "radix.c rn_lookup (rn_match finds the host route 192.0.2.1, whose rn_mask is not the /24)",
      "seed in.c:452-468 (the loopback host route to 192.0.2.1 exists)",
    );
    presetup(s);
    // 14.x masks the destination before the lookup, and answers with the /24.
    getRoute(s, "192.0.2.1/24").expect({ errno: "ESRCH" });
  }),

  scenario("rtsock/get-empty-dst", "RTM_GET without RTA_DST is EINVAL", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_get_v4_empty_dst_failure",
      "10.4 rtsock.c route_output (rti_info[RTAX_DST] == NULL → EINVAL)",
    );
    s.add({
      op: "route",
      hex: rtmsg(RT.RTM_GET, RT.RTF_UP, { netmask: { ...sin("255.255.255.0") } }),
    })
      .note("only RTA_NETMASK")
      .expect({ errno: "EINVAL" });
  }),

  scenario("rtsock/add-gw-direct", "A /25 via a directly reachable gateway", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_add_v4_gw_direct_success",
      "10.4 rtsock.c route_output (RTM_ADD reply: the message back with RTF_DONE)",
    );
    presetup(s);
    s.routeAdd("192.0.2.0/25", "192.0.2.254").expect({
      errno: "OK",
      rtsock: [
        {
          type: "RTM_ADD",
          slots: { dst: "192.0.2.0", gateway: "192.0.2.254" },
          flags: ["UP", "DONE", "GATEWAY", "STATIC"],
        },
      ],
      routes: [
        { dst: "192.0.2.0/25", gateway: "192.0.2.254", ifname: "vtnet1", flags: ["GATEWAY", "STATIC"] },
      ],
    });
  }),

  scenario("rtsock/add-no-rtf-host", "RTM_ADD without netmask and without RTF_HOST still succeeds", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_add_v4_no_rtf_host_success",
      "10.4 route.c rtrequest1_fib (no netmask: a host entry in the tree)",
    );
    presetup(s);
    s.add({
      op: "route",
      hex: rtmsg(RT.RTM_ADD, RT.RTF_UP | RT.RTF_STATIC | RT.RTF_GATEWAY, {
        dst: sin("192.0.2.0"),
        gateway: sin("192.0.2.254"),
      }),
    })
      .note("DST and GATEWAY, no NETMASK, no RTF_HOST")
      .expect({
        errno: "OK",
        routes: [{ dst: "192.0.2.0", gateway: "192.0.2.254", flags: ["GATEWAY"] }],
      });
  }),

  scenario(
    "rtsock/del-prefix-nogw",
    "RTM_DELETE without a gateway removes the /25 and reports its gateway",
    (s) => {
      s.cite(
        "tests/sys/net/routing/test_rtsock_l3.c:rtm_del_v4_prefix_nogw_success",
        "10.4 rtsock.c route_output (RTM_DELETE: the reply describes the removed route)",
      );
      presetup(s);
      s.routeAdd("192.0.2.0/25", "192.0.2.254").expect({ errno: "OK" });
      s.routeDelete("192.0.2.0/25").expect({
        errno: "OK",
        rtsock: [
          {
            type: "RTM_DELETE",
            slots: { dst: "192.0.2.0", gateway: "192.0.2.254" },
            flags: ["DONE", "GATEWAY", "STATIC"],
            noflags: ["UP"],
          },
        ],
        routes: [
          { dst: "192.0.2.0/25", absent: true },
          { dst: "192.0.2.0/24", ifname: "vtnet1" },
        ],
      });
    },
  ),

  scenario("rtsock/change-gw", "RTM_CHANGE to a gateway on another interface moves the route there", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_change_v4_gw_success",
      "10.4 rtsock.c route_output RTM_CHANGE (rt_getifa_fib on the new gateway; rt_ifa/rt_ifp replaced)",
    );
    s.nic("vtnet1");
    s.nic("vtnet2");
    s.up("vtnet1");
    s.up("vtnet2");
    s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK" });
    s.aifaddr("vtnet2", "198.51.100.1/24").expect({ errno: "OK" });
    s.routeAdd("192.0.2.0/25", "192.0.2.254").expect({ errno: "OK" });
    s.add({ op: "route", type: "RTM_CHANGE", dst: "192.0.2.0/25", gateway: "198.51.100.2" }).expect({
      errno: "OK",
      rtsock: [{ type: "RTM_CHANGE", slots: { dst: "192.0.2.0", gateway: "198.51.100.2" }, flags: ["DONE"] }],
      routes: [{ dst: "192.0.2.0/25", gateway: "198.51.100.2", ifname: "vtnet2", ifa: "198.51.100.1" }],
    });
  }),

  scenario(
    "rtsock/add-prefix-mask-bits",
    "route add with a mask from the lowering: dst/len in, dst/len in the dump",
    (s) => {
      s.cite("route(4) (RTA_NETMASK)", "10.4 route.c rtrequest1_fib (rt_maskedcopy of dst by netmask)");
      presetup(s);
      s.routeAdd("10.20.31.0/23", "192.0.2.254")
        .note("10.20.31.0 has a host bit under /23: masked off")
        .expect({
          errno: "OK",
          routes: [{ dst: "10.20.30.0/23", gateway: "192.0.2.254", ifname: "vtnet1" }],
        });
    },
  ),

  scenario("rtsock/delete-pinned-prefix", "route delete of an interface prefix route is EADDRINUSE", (s) => {
    s.cite(
      "10.4 route.c rtinit1 (interface routes carry RTF_PINNED)",
      "10.4 route.c rtrequest1_fib RTM_DELETE (target RTF_PINNED and no RTF_PINNED asked → EADDRINUSE)",
    );
    presetup(s);
    s.routeDelete("192.0.2.0/24").expect({
      errno: "EADDRINUSE",
      routes: [{ dst: "192.0.2.0/24", ifname: "vtnet1", flags: ["PINNED"] }],
    });
  }),

  scenario("rtsock/get-loopback-host", "RTM_GET of our own address finds its loopback host route", (s) => {
    s.cite(
      "10.4 rtsock.c route_output (RTM_GET without netmask → rnh_matchaddr; report; RTF_DONE)",
      "10.4 if.c ifa_add_loopback_route (RTF_HOST | RTF_STATIC, gateway sdl_index := the address's interface)",
    );
    presetup(s);
    getRoute(s, "192.0.2.1").expect({
      errno: "OK",
      rtsock: [
        {
          type: "RTM_GET",
          slots: { dst: "192.0.2.1", gateway: "link#vtnet1" },
          flags: ["UP", "HOST", "STATIC", "DONE"],
          noflags: ["GATEWAY"],
        },
      ],
    });
  }),

  scenario("rtsock/add-duplicate-prefix", "route add of the interface prefix itself is EEXIST", (s) => {
    s.cite("10.4 route.c rtrequest1_fib RTM_ADD (rnh_addaddr finds the key and mask → EEXIST)");
    presetup(s);
    s.routeAdd("192.0.2.0/24", "192.0.2.254").expect({
      errno: "EEXIST",
      routes: [{ dst: "192.0.2.0/24", ifname: "vtnet1", ifa: "192.0.2.1", noflags: ["GATEWAY"] }],
    });
  }),

  scenario(
    "rtsock/add-unreachable-gateway",
    "route add via a gateway no interface reaches is ENETUNREACH",
    (s) => {
      s.cite(
        "10.4 route.c rt_getifa_fib (no ifa → ENETUNREACH)",
        "10.4 route.c ifa_ifwithroute (not our address, on no attached net, no route to it)",
      );
      presetup(s);
      s.routeAdd("203.0.113.0/24", "10.9.9.9").expect({
        errno: "ENETUNREACH",
        routes: [{ dst: "203.0.113.0/24", absent: true }],
      });
    },
  ),

  scenario("rtsock/change-flags", "RTM_CHANGE clears the RTF_FMASK flags the message leaves out", (s) => {
    s.cite(
      "tests/sys/net/routing/test_rtsock_l3.c:rtm_change_v4_flags_success",
      "10.4 rtsock.c route_output RTM_CHANGE (rt_flags = (rt_flags & ~RTF_FMASK) | (rtm_flags & RTF_FMASK))",
      "10.4 route.h RTF_FMASK (PROTO1|PROTO2|PROTO3|BLACKHOLE|REJECT|STATIC|STICKY)",
    );
    presetup(s);
    s.routeAdd("192.0.2.0/25", "192.0.2.254", ["PROTO1", "PROTO2", "PROTO3"]).expect({
      errno: "OK",
      routes: [{ dst: "192.0.2.0/25", flags: ["GATEWAY", "STATIC", "PROTO1", "PROTO2", "PROTO3"] }],
    });
    s.add({
      op: "route",
      hex: rtmsg(RT.RTM_CHANGE, RT.RTF_UP | RT.RTF_GATEWAY, {
        dst: sin("192.0.2.0"),
        netmask: sin("255.255.255.128"),
      }),
    })
      .note("the test's flags with the test flags (PROTO1-3, STATIC) removed; no gateway")
      .expect({
        errno: "OK",
        rtsock: [{ type: "RTM_CHANGE", flags: ["UP", "DONE", "GATEWAY"], noflags: ["STATIC", "PROTO1"] }],
        routes: [
          {
            dst: "192.0.2.0/25",
            gateway: "192.0.2.254",
            flags: ["UP", "GATEWAY"],
            noflags: ["STATIC", "PROTO1", "PROTO2", "PROTO3"],
          },
        ],
      });
  }),
];
