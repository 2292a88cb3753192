// tests/sys/netinet/fibs_test.sh needs net.fibs >= 2 (a loader tunable; the FreeBSD VM and the
// twin run a one-FIB kernel), so its multi-FIB cases skip there (get_fibs: "not less than
// net.fibs"). What applies with one FIB is ported: the routes an address gets in FIB 0, and the
// FIB ioctls refusing a FIB that does not exist.

import { scenario } from "../../src/harness/scenario.ts";

const IFREQ_VTNET1_FIB0 = "76746e6574310000" + "0000000000000000" + "00000000" + "00".repeat(12);

export const fibScenarios = [
  scenario(
    "fib/loopback-and-network-routes-fib0",
    "An address's host route is UHS on lo0 and its network route is on the interface",
    (s) => {
      s.cite(
        "tests/sys/netinet/fibs_test.sh:loopback_and_network_routes_on_nondefault_fib (with FIB0 = 0)",
        "10.4 if.c ifa_add_loopback_route (ifa_flags | RTF_HOST | RTF_STATIC; IFA_ROUTE is RTF_UP)",
        "seed in.c:440-468",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "192.0.2.2/24").expect({
        errno: "OK",
        routes: [
          // fibs_test: grep "^${ADDR}.*UHS.*lo0".
          { dst: "192.0.2.2", ifname: "lo0", flags: ["UP", "HOST", "STATIC"], noflags: ["GATEWAY"] },
          // fibs_test: grep "^${SUBNET}/${MASK}.*${TAPD}".
          { dst: "192.0.2.0/24", ifname: "vtnet1", noflags: ["HOST", "GATEWAY"] },
        ],
      });
    },
  ),

  scenario("fib/setfib-beyond-net-fibs", "SIOCSIFFIB to FIB 1 in a one-FIB kernel is EINVAL", (s) => {
    s.cite(
      "10.4 if.c ifhwioctl SIOCSIFFIB (priv_check(PRIV_NET_SETIFFIB); ifr_fib >= rt_numfibs → EINVAL)",
      "10.4 if.c ifhwioctl SIOCGIFFIB",
      "tests/sys/netinet/fibs_test.sh:get_fibs (skips when a fib is not less than net.fibs)",
    );
    s.nic("vtnet1");
    s.ioctl("SIOCSIFFIB", "vtnet1", { int: 1 }).expect({ errno: "EINVAL" });
    s.ioctl("SIOCSIFFIB", "vtnet1", { int: 0 }).as({ uid: 1001 }).expect({ errno: "EPERM" });
    s.ioctl("SIOCGIFFIB", "vtnet1").expect({ errno: "OK", data: { hex: IFREQ_VTNET1_FIB0 } });
  }),
];
