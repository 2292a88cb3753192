// Address configuration through SIOCAIFADDR/SIOCDIFADDR on an Ethernet NIC (seed in.c
// in_aifaddr_ioctl, in_difaddr_ioctl, in_addprefix, in_scrubprefix).

import { scenario } from "../src/harness/scenario.ts";

export const addrScenarios = [
  scenario(
    "addr/add-basic",
    "Adding an address installs its prefix and loopback routes and joins all-hosts",
    (s) => {
      s.cite(
        "in.c:in_aifaddr_ioctl",
        "in.c:in_addprefix",
        "tests/sys/net/routing/test_rtsock_l3.c:rtm_add_v4_gu_ifa_ordered_success",
      );
      s.nic("vtnet1");
      s.up("vtnet1").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24", broadaddr: "10.0.0.255" }],
        routes: [
          { dst: "10.0.0.0/24", ifname: "vtnet1", gateway: "link#", noflags: ["GATEWAY"] },
          { dst: "10.0.0.1", flags: ["HOST"] },
        ],
        groups: [{ ifname: "vtnet1", group: "224.0.0.1" }],
        // RTM_NEWADDR comes before the prefix route's RTM_ADD (rt_newaddrmsg_fib).
        rtsock: ["RTM_NEWADDR", { type: "RTM_ADD", addr: "10.0.0.0" }],
        // ether_ioctl(SIOCSIFADDR) → arp_ifinit announces the address: who-has 10.0.0.1 tell 10.0.0.1.
        frames: [
          {
            ifname: "vtnet1",
            where: { "arp.operation": 1, "arp.senderIp": "10.0.0.1", "arp.targetIp": "10.0.0.1" },
          },
        ],
      });
    },
  ),

  scenario(
    "addr/replace",
    "Adding an address that exists deletes it first, then adds it with the new mask",
    (s) => {
      s.cite("in.c:in_aifaddr_ioctl (ia != NULL → in_difaddr_ioctl)");
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.1/16").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/16", broadaddr: "10.0.255.255" }],
        routes: [
          { dst: "10.0.0.0/16", ifname: "vtnet1" },
          { dst: "10.0.0.0/24", absent: true },
        ],
        rtsock: ["RTM_DELADDR", "RTM_NEWADDR"],
      });
    },
  ),

  scenario("addr/delete-last", "Deleting the last address removes its routes and leaves all-hosts", (s) => {
    s.cite("in.c:in_difaddr_ioctl (iaIsLast → in_leavegroup_locked)", "in.c:in_scrubprefix");
    s.nic("vtnet1");
    s.up("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({
      errno: "OK",
      groups: [{ ifname: "vtnet1", group: "224.0.0.1" }],
    });
    s.difaddr("vtnet1", "10.0.0.1").expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.1", absent: true }],
      routes: [
        { dst: "10.0.0.0/24", absent: true },
        { dst: "10.0.0.1", absent: true },
      ],
      groups: [{ ifname: "vtnet1", group: "224.0.0.1", absent: true }],
      rtsock: ["RTM_DELADDR"],
    });
  }),

  scenario(
    "addr/delete-missing",
    "Deleting an address the interface does not have fails with EADDRNOTAVAIL",
    (s) => {
      s.cite("in.c:in_difaddr_ioctl (ia == NULL)");
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.difaddr("vtnet1", "10.0.0.9").expect({
        errno: "EADDRNOTAVAIL",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24" }],
      });
    },
  ),

  scenario("addr/malformed-sockaddr", "Malformed sockaddrs in in_aliasreq are refused with EINVAL", (s) => {
    s.cite("in.c:in_aifaddr_ioctl (sin_len/sin_family checks)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", { addr: "10.0.0.1", len: 0 })
      .note("ifra_addr must be a whole sockaddr_in")
      .expect({ errno: "EINVAL" });
    s.aifaddr("vtnet1", "10.0.0.1", { mask: { addr: "255.255.255.0", family: 0 } })
      .note("a mask with sin_len set must be AF_INET")
      .expect({ errno: "EINVAL" });
    s.aifaddr("vtnet1", "10.0.0.1", { broadaddr: { addr: "10.0.0.255", len: 8 } })
      .note("a broadcast address with sin_len set must be 16 long")
      .expect({ errno: "EINVAL" });
    s.observe("nothing was added").expect({ addrs: [{ ifname: "vtnet1", addr: "10.0.0.1", absent: true }] });
  }),

  scenario("addr/classful-mask", "Without a mask the address gets its classful network mask", (s) => {
    s.cite("in.c:in_aifaddr_ioctl (IN_CLASSA/B/C guess)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "172.16.5.1").expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "172.16.5.1/16", broadaddr: "172.16.255.255" }],
      routes: [{ dst: "172.16.0.0/16", ifname: "vtnet1" }],
    });
  }),
];
