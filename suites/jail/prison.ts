// A jailed root (no vnet) and IPv4 configuration: the privilege checks refuse changes
// (10.4 kern_jail.c prison_priv_check: PRIV_NET_ADDIFADDR/DELIFADDR are not granted to jails
// without their own vnet), and in_control's reads are limited by prison_check_ip4 for the address
// named (seed in.c 240-242), but not for INADDR_ANY.

import type { Cred } from "../../src/harness/ops.ts";
import { scenario } from "../../src/harness/scenario.ts";

const JAILED: Cred = { uid: 0, jail: { name: "j1", ip4: ["10.0.0.2"] } };

export const jailScenarios = [
  scenario("jail/aifaddr-refused", "A jailed root cannot add an address, even one of its own", (s) => {
    s.cite("seed in.c:310-312 priv_check(PRIV_NET_ADDIFADDR)", "10.4 kern_jail.c prison_priv_check");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.2/24")
      .as(JAILED)
      .expect({
        errno: "EPERM",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.2", absent: true }],
      });
  }),

  scenario("jail/difaddr-refused", "A jailed root cannot delete an address", (s) => {
    s.cite("seed in.c:520-524 priv_check(PRIV_NET_DELIFADDR)", "10.4 kern_jail.c prison_priv_check");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.2/24").expect({ errno: "OK" });
    s.difaddr("vtnet1", "10.0.0.2")
      .as(JAILED)
      .expect({
        errno: "EPERM",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.2/24" }],
      });
  }),

  scenario("jail/get-outside-prison", "Reading an address outside the prison is EADDRNOTAVAIL", (s) => {
    s.cite("seed in.c:240-242 (sin_addr != INADDR_ANY && prison_check_ip4 != 0 → EADDRNOTAVAIL)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.aifaddr("vtnet1", "10.0.0.2/24").expect({ errno: "OK" });
    s.ioctl("SIOCGIFNETMASK", "vtnet1", { addr: "10.0.0.1" }).as(JAILED).expect({ errno: "EADDRNOTAVAIL" });
    s.ioctl("SIOCGIFNETMASK", "vtnet1", { addr: "10.0.0.2" })
      .as(JAILED)
      .expect({
        errno: "OK",
        data: { ifr_addr: { len: 7, family: 2, addr: "255.255.255.0" } },
      });
  }),

  scenario(
    "jail/get-any-not-filtered",
    "SIOCGIFADDR with 0.0.0.0 shows a jail the first address, its own or not",
    (s) => {
      s.cite(
        "seed in.c:240 (the prison check is skipped for INADDR_ANY)",
        "seed in.c:249-251 (SIOCGIFADDR takes the first AF_INET address)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.2/24").expect({ errno: "OK" });
      s.ioctl("SIOCGIFADDR", "vtnet1")
        .as(JAILED)
        .expect({
          errno: "OK",
          data: { ifr_addr: { len: 16, family: 2, addr: "10.0.0.1" } },
        });
    },
  ),
];
