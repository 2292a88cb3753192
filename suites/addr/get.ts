// The four reading ioctls in_control answers itself (seed in.c 208-292), and the four setting
// ones it no longer supports (seed 228-233).

import { scenario } from "../../src/harness/scenario.ts";

export const addrGetScenarios = [
  scenario(
    "addr/get-first-address",
    "SIOCGIFADDR returns the first IPv4 address, whatever was asked",
    (s) => {
      s.cite("seed in.c:244-256 (SIOCGIFADDR picks the first AF_INET ifaddr)", "seed in.c:266-268");
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.1.1/24").expect({ errno: "OK" });
      s.ioctl("SIOCGIFADDR", "vtnet1", { addr: "10.0.1.1" }).expect({
        errno: "OK",
        data: { ifr_addr: { len: 16, family: 2, addr: "10.0.0.1" } },
      });
      s.ioctl("SIOCGIFADDR", "vtnet1").expect({
        errno: "OK",
        data: { ifr_addr: { len: 16, family: 2, addr: "10.0.0.1" } },
      });
    },
  ),

  scenario(
    "addr/get-named-address",
    "SIOCGIFNETMASK and SIOCGIFBRDADDR answer for the address named",
    (s) => {
      s.cite("seed in.c:250-255 (match ia_addr)", "seed in.c:270-288");
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "172.20.0.1/16").expect({ errno: "OK" });
      s.ioctl("SIOCGIFNETMASK", "vtnet1", { addr: "172.20.0.1" }).expect({
        errno: "OK",
        data: { ifr_addr: { len: 6, family: 2, addr: "255.255.0.0" } },
      });
      s.ioctl("SIOCGIFBRDADDR", "vtnet1", { addr: "172.20.0.1" }).expect({
        errno: "OK",
        data: { ifr_addr: { len: 16, family: 2, addr: "172.20.255.255" } },
      });
      // ifr_addr 0.0.0.0 means "any": the first address (seed 251).
      s.ioctl("SIOCGIFNETMASK", "vtnet1", { addr: "0.0.0.0" }).expect({
        errno: "OK",
        data: { ifr_addr: { len: 7, family: 2, addr: "255.255.255.0" } },
      });
    },
  ),

  scenario(
    "addr/get-unknown-address",
    "Asking about an address the interface lacks gives EADDRNOTAVAIL",
    (s) => {
      s.cite("seed in.c:258-262");
      s.nic("vtnet1");
      s.ioctl("SIOCGIFADDR", "vtnet1").note("no IPv4 address at all").expect({ errno: "EADDRNOTAVAIL" });
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.ioctl("SIOCGIFNETMASK", "vtnet1", { addr: "10.0.0.9" }).expect({ errno: "EADDRNOTAVAIL" });
    },
  ),

  scenario(
    "addr/get-dstaddr-on-broadcast-iface",
    "SIOCGIFDSTADDR on a broadcast interface is EINVAL",
    (s) => {
      s.cite("seed in.c:278-283 (IFF_POINTOPOINT clear → EINVAL)");
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.ioctl("SIOCGIFDSTADDR", "vtnet1", { addr: "10.0.0.1" }).expect({ errno: "EINVAL" });
    },
  ),

  scenario(
    "addr/set-ioctls-refused",
    "SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFNETMASK: EINVAL",
    (s) => {
      s.cite('seed in.c:228-233 ("We no longer support that old commands.")');
      s.nic("vtnet1");
      s.ioctl("SIOCSIFADDR", "vtnet1", { addr: "10.0.0.1" }).expect({ errno: "EINVAL" });
      s.ioctl("SIOCSIFNETMASK", "vtnet1", { addr: "255.255.255.0" }).expect({ errno: "EINVAL" });
      s.ioctl("SIOCSIFBRDADDR", "vtnet1", { addr: "10.0.0.255" }).expect({ errno: "EINVAL" });
      s.ioctl("SIOCSIFDSTADDR", "vtnet1", { addr: "10.0.0.2" }).expect({ errno: "EINVAL" });
      s.observe("nothing was configured").expect({
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1", absent: true }],
      });
    },
  ),

  scenario("addr/oaifaddr-compat", "The 9.x SIOCAIFADDR (no ifra_vhid) still adds an address", (s) => {
    s.cite("seed in.c:221-226 (OSIOCAIFADDR)", "seed in.c:305 (vhid only read for SIOCAIFADDR)");
    s.nic("vtnet1");
    s.oaifaddr("vtnet1", "10.0.0.1/24").expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24", broadaddr: "10.0.0.255" }],
      routes: [{ dst: "10.0.0.0/24", ifname: "vtnet1" }],
    });
  }),

  scenario(
    "addr/difaddr-malformed-deletes-first",
    "SIOCDIFADDR with a malformed ifr_addr: a matching address still wins, else the first goes",
    (s) => {
      s.cite(
        "seed in.c:526-530 (deleteAny)",
        "seed in.c:542-549 (the first address, overridden by one whose sin_addr matches)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.1.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.2.1/24").expect({ errno: "OK" });
      s.difaddr("vtnet1", { addr: "10.0.1.1", len: 0 })
        .note("sin_len 0 makes it 'any address', but sin_addr is still compared (seed 546-549)")
        .expect({
          errno: "OK",
          addrs: [
            { ifname: "vtnet1", addr: "10.0.1.1", absent: true },
            { ifname: "vtnet1", addr: "10.0.0.1/24" },
            { ifname: "vtnet1", addr: "10.0.2.1/24" },
          ],
        });
      s.difaddr("vtnet1", { addr: "0.0.0.0", family: 0 })
        .note("family 0, nothing matches: the first address goes")
        .expect({
          errno: "OK",
          addrs: [
            { ifname: "vtnet1", addr: "10.0.0.1", absent: true },
            { ifname: "vtnet1", addr: "10.0.2.1/24" },
          ],
        });
    },
  ),
];
