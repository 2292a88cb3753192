// Point-to-point addresses on tun(4): host routes to the destination (seed in.c in_aifaddr_ioctl
// 328-334, 403-405, 440-447; in_addprefix with RTF_HOST 677-679, 686-690), the destination
// read back with SIOCGIFDSTADDR (seed 278-284).

import { scenario } from "../../src/harness/scenario.ts";

export const ptpTunScenarios = [
  scenario("ptp/dstaddr-any-refused", "A point-to-point destination of 0.0.0.0 is EDESTADDRREQ", (s) => {
    s.cite("seed in.c:329-332 (sin_len != 16 or INADDR_ANY → EDESTADDRREQ)", "seed in.c:321-324");
    s.nic("tun0", { driver: "tun" });
    s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "0.0.0.0" }).expect({
      errno: "EDESTADDRREQ",
      addrs: [{ ifname: "tun0", addr: "10.1.0.1", absent: true }],
    });
    // ifra_dstaddr is ifra_broadaddr (in_var.h #define), so a short destination is first
    // caught by the broadaddr check (seed 321-324): EINVAL, not EDESTADDRREQ.
    s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: { addr: "10.1.0.2", len: 8 } })
      .note("a destination sockaddr shorter than sockaddr_in")
      .expect({ errno: "EINVAL" });
    s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: { addr: "10.1.0.2", len: 0 } })
      .note("no destination at all (sin_len 0 passes the broadaddr check)")
      .expect({ errno: "EDESTADDRREQ" });
  }),

  scenario("ptp/get-dstaddr", "SIOCGIFDSTADDR returns the destination; SIOCGIFBRDADDR is EINVAL", (s) => {
    s.cite("seed in.c:278-284 (SIOCGIFDSTADDR)", "seed in.c:270-274 (no IFF_BROADCAST → EINVAL)");
    s.nic("tun0", { driver: "tun" });
    s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.2" }).expect({ errno: "OK" });
    s.ioctl("SIOCGIFDSTADDR", "tun0", { addr: "10.1.0.1" }).expect({
      errno: "OK",
      data: { ifr_addr: { len: 16, family: 2, addr: "10.1.0.2" } },
    });
    s.ioctl("SIOCGIFBRDADDR", "tun0", { addr: "10.1.0.1" }).expect({ errno: "EINVAL" });
  }),

  scenario("ptp/local-loopback-route", "A point-to-point address gets a loopback route to itself", (s) => {
    s.cite("seed in.c:452-468 (dstaddr != addr → ifa_add_loopback_route)");
    s.nic("tun0", { driver: "tun" });
    s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.2" }).expect({
      errno: "OK",
      routes: [
        { dst: "10.1.0.2", ifname: "tun0", flags: ["HOST", "PINNED"] },
        { dst: "10.1.0.1", ifname: "lo0", flags: ["HOST"] },
      ],
      // 10.4 if_tun.c tuncreate: IFF_POINTOPOINT | IFF_MULTICAST, so all-hosts is joined.
      groups: [{ ifname: "tun0", group: "224.0.0.1" }],
    });
  }),

  scenario(
    "ptp/dstaddr-equals-addr",
    "A point-to-point address whose destination is itself gets no loopback route",
    (s) => {
      s.cite("seed in.c:452-455 (IFF_POINTOPOINT && dstaddr == addr → no loopback route)");
      s.nic("tun0", { driver: "tun" });
      s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.1" }).expect({
        errno: "OK",
        addrs: [{ ifname: "tun0", addr: "10.1.0.1", dstaddr: "10.1.0.1" }],
        // The prefix route is the host route to the destination, on tun0, not lo0.
        routes: [{ dst: "10.1.0.1", ifname: "tun0", flags: ["HOST"] }],
      });
    },
  ),

  scenario(
    "ptp/two-addrs-one-destination",
    "Two local addresses towards one destination share its host route",
    (s) => {
      s.cite(
        "seed in.c:677-679, 686-690 in_addprefix (RTF_HOST: prefix is ia_dstaddr)",
        "seed in.c:697-706 (route already held → alias message)",
        "seed in.c:773-816 in_scrubprefix (hand-over)",
      );
      s.nic("tun0", { driver: "tun" });
      s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.2" }).expect({ errno: "OK" });
      s.aifaddr("tun0", "10.1.0.3/32", { dstaddr: "10.1.0.2" }).expect({
        errno: "OK",
        routes: [
          { dst: "10.1.0.2", ifname: "tun0", ifa: "10.1.0.1" },
          { dst: "10.1.0.3", ifname: "lo0" },
        ],
        rtsock: [
          { type: "RTM_NEWADDR", addr: "10.1.0.3" },
          { type: "RTM_ADD", slots: { dst: "10.1.0.2", gateway: "10.1.0.3" } },
        ],
      });
      // tun0 is up: 10.4 if_tun.c tuninit sets IFF_UP on SIOCSIFADDR, so the hand-over happens.
      s.difaddr("tun0", "10.1.0.1").expect({
        errno: "OK",
        routes: [
          { dst: "10.1.0.2", ifname: "tun0", ifa: "10.1.0.3" },
          { dst: "10.1.0.1", absent: true },
        ],
      });
    },
  ),

  scenario(
    "ptp/delete",
    "Deleting the point-to-point address removes the host route to the destination",
    (s) => {
      s.cite("seed in.c:561-581 in_difaddr_ioctl", "seed in.c:821-841 in_scrubprefix");
      s.nic("tun0", { driver: "tun" });
      s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.2" }).expect({ errno: "OK" });
      s.difaddr("tun0", "10.1.0.1").expect({
        errno: "OK",
        routes: [
          { dst: "10.1.0.2", absent: true },
          { dst: "10.1.0.1", absent: true },
        ],
        addrs: [{ ifname: "tun0", addr: "10.1.0.1", absent: true }],
        rtsock: [
          { type: "RTM_DELETE", addr: "10.1.0.2" },
          { type: "RTM_DELADDR", addr: "10.1.0.1" },
        ],
        groups: [{ ifname: "tun0", group: "224.0.0.1", absent: true }],
      });
    },
  ),
];
