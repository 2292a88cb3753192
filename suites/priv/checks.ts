// Unprivileged callers (uid != 0): changes are refused before anything is looked at (seed in.c
// in_aifaddr_ioctl 310-312, in_difaddr_ioctl 520-524; 10.4 rtsock.c route_output
// priv_check(PRIV_NET_ROUTE)); reads need no privilege.

import { scenario } from "../../src/harness/scenario.ts";

const USER = { uid: 1001 };

export const privCheckScenarios = [
  scenario("priv/unprivileged-read", "An unprivileged user can read addresses", (s) => {
    s.cite("seed in.c:208-216, 264-292 (no priv_check on SIOCGIF*)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.ioctl("SIOCGIFADDR", "vtnet1")
      .as(USER)
      .expect({
        errno: "OK",
        data: { ifr_addr: { len: 16, family: 2, addr: "10.0.0.1" } },
      });
    s.ioctl("SIOCGIFBRDADDR", "vtnet1", { addr: "10.0.0.1" })
      .as(USER)
      .expect({
        errno: "OK",
        data: { ifr_addr: { addr: "10.0.0.255" } },
      });
  }),

  scenario("priv/eperm-before-einval", "An unprivileged malformed SIOCAIFADDR is EPERM, not EINVAL", (s) => {
    s.cite("seed in.c:310-312 (priv_check comes first)", "seed in.c:318-320");
    s.nic("vtnet1");
    // Differs on 10.4 (EINVAL): reference/divergences.yaml in-aifaddr-eperm-before-einval.
    s.aifaddr("vtnet1", { addr: "10.0.0.1", len: 0 }).as(USER).expect({ errno: "EPERM" });
    s.aifaddr("vtnet1", { addr: "10.0.0.1", len: 0 }).expect({ errno: "EINVAL" });
  }),

  scenario(
    "priv/eperm-before-eaddrnotavail",
    "An unprivileged SIOCDIFADDR of a missing address is EPERM",
    (s) => {
      s.cite("seed in.c:520-524 (priv_check before the lookup at 532-558)");
      s.nic("vtnet1");
      s.difaddr("vtnet1", "10.0.0.9").as(USER).expect({ errno: "EPERM" });
      s.difaddr("vtnet1", "10.0.0.9").expect({ errno: "EADDRNOTAVAIL" });
    },
  ),

  scenario("priv/unprivileged-arp-set", "An unprivileged user cannot add an ARP entry", (s) => {
    s.cite("10.4 rtsock.c route_output (rtm_type != RTM_GET → priv_check(PRIV_NET_ROUTE))");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.arpSet("vtnet1", "10.0.0.5", "02:00:00:00:00:55")
      .as(USER)
      .expect({
        errno: "EPERM",
        arp: [{ addr: "10.0.0.5", absent: true }],
      });
  }),

  scenario("priv/unprivileged-route-add", "An unprivileged user cannot add a route", (s) => {
    s.cite("10.4 rtsock.c route_output (priv_check(PRIV_NET_ROUTE))");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.routeAdd("192.168.0.0/16", "10.0.0.254")
      .as(USER)
      .expect({
        errno: "EPERM",
        routes: [{ dst: "192.168.0.0/16", absent: true }],
      });
  }),
];

export const privSysctlScenarios = [
  scenario(
    "priv/unprivileged-sysctl-write",
    "An unprivileged user can read net.inet.ip.no_same_prefix but not set it",
    (s) => {
      s.cite(
        "10.4 kern_sysctl.c sysctl_root (a new value needs priv_check(PRIV_SYSCTL_WRITE))",
        "seed in.c:76-82 (CTLFLAG_RW, no CTLFLAG_ANYBODY)",
      );
      s.sysctl("net.inet.ip.no_same_prefix")
        .as({ uid: 1001 })
        .expect({ errno: "OK", data: { hex: "00000000" } });
      s.sysctl("net.inet.ip.no_same_prefix", 1).as({ uid: 1001 }).expect({ errno: "EPERM" });
      s.sysctl("net.inet.ip.no_same_prefix").expect({ errno: "OK", data: { hex: "00000000" } });
    },
  ),
];
