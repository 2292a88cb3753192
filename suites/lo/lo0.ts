// Addresses on lo0: IFF_LOOPBACK makes the prefix a host route to the address itself (seed in.c
// 407-409 "XXXGL: rtinit() needs this strange assignment", 440-447) and skips the loopback route
// (seed 452).

import { scenario } from "../../src/harness/scenario.ts";

export const loScenarios = [
  scenario("lo/alias-127", "An alias on lo0 gets a host route to itself on lo0", (s) => {
    s.cite("seed in.c:407-409 (ia_dstaddr = ia_addr)", "seed in.c:440-447 (RTF_HOST)", "seed in.c:677-679");
    s.aifaddr("lo0", "127.0.0.2/8").expect({
      errno: "OK",
      addrs: [{ ifname: "lo0", addr: "127.0.0.2/8" }],
      routes: [
        { dst: "127.0.0.2", ifname: "lo0", flags: ["HOST", "PINNED"], ifa: "127.0.0.2" },
        { dst: "127.0.0.1", ifname: "lo0" },
      ],
      rtsock: [
        { type: "RTM_NEWADDR", addr: "127.0.0.2" },
        { type: "RTM_ADD", slots: { dst: "127.0.0.2" } },
      ],
    });
  }),

  scenario("lo/alias-other-net", "A 10/8 address on lo0 is a host route, not a network route", (s) => {
    s.cite("seed in.c:440-447 (IFF_LOOPBACK → RTF_HOST)", "seed in.c:452 (no loopback route on lo0)");
    s.aifaddr("lo0", "10.9.9.9/24").expect({
      errno: "OK",
      addrs: [{ ifname: "lo0", addr: "10.9.9.9/24" }],
      routes: [
        { dst: "10.9.9.9", ifname: "lo0", flags: ["HOST"] },
        { dst: "10.9.9.0/24", absent: true },
      ],
    });
    s.ioctl("SIOCGIFNETMASK", "lo0", { addr: "10.9.9.9" }).expect({
      errno: "OK",
      data: { ifr_addr: { len: 7, family: 2, addr: "255.255.255.0" } },
    });
  }),

  scenario("lo/delete-alias", "Deleting a lo0 alias removes its host route and keeps 127.0.0.1", (s) => {
    s.cite("seed in.c:735-737 (IFF_LOOPBACK: no loopback route to scrub)", "seed in.c:821-841");
    s.aifaddr("lo0", "127.0.0.2/8").expect({ errno: "OK" });
    s.difaddr("lo0", "127.0.0.2").expect({
      errno: "OK",
      addrs: [
        { ifname: "lo0", addr: "127.0.0.2", absent: true },
        { ifname: "lo0", addr: "127.0.0.1/8" },
      ],
      routes: [
        { dst: "127.0.0.2", absent: true },
        { dst: "127.0.0.1", ifname: "lo0" },
      ],
      // lo0 keeps another IPv4 address, so it stays in 224.0.0.1 (seed 591).
      groups: [{ ifname: "lo0", group: "224.0.0.1" }],
    });
  }),

  scenario("lo/get-dstaddr-refused", "lo0 is neither broadcast nor point-to-point for SIOCGIF*ADDR", (s) => {
    s.cite("seed in.c:270-284");
    s.ioctl("SIOCGIFBRDADDR", "lo0", { addr: "127.0.0.1" }).expect({ errno: "EINVAL" });
    s.ioctl("SIOCGIFDSTADDR", "lo0", { addr: "127.0.0.1" }).expect({ errno: "EINVAL" });
    s.ioctl("SIOCGIFADDR", "lo0").expect({
      errno: "OK",
      data: { ifr_addr: { len: 16, family: 2, addr: "127.0.0.1" } },
    });
  }),
];
