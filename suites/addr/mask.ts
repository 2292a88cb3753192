// Masks and broadcast addresses chosen by in_aifaddr_ioctl (seed in.c 371-401): classful guesses
// without a mask, RFC 3021 /31 broadcast, an explicit broadcast, /32 on a broadcast interface.

import { scenario } from "../../src/harness/scenario.ts";

export const addrMaskScenarios = [
  scenario("addr/classful-a", "Without a mask a class A address gets /8", (s) => {
    s.cite("seed in.c:371-387 (IN_CLASSA → IN_CLASSA_NET)", "seed in.c:397-399 (broadcast = subnet | ~mask)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.1.2.3").expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.1.2.3/8", broadaddr: "10.255.255.255" }],
      routes: [{ dst: "10.0.0.0/8", ifname: "vtnet1" }],
    });
  }),

  scenario("addr/classful-c", "Without a mask a class C address gets /24", (s) => {
    s.cite("seed in.c:371-387 (neither class A nor B → IN_CLASSC_NET)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "192.168.7.9").expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "192.168.7.9/24", broadaddr: "192.168.7.255" }],
      routes: [{ dst: "192.168.7.0/24", ifname: "vtnet1" }],
    });
  }),

  scenario(
    "addr/classful-netmask-bytes",
    "SIOCGIFNETMASK of a guessed mask: trimmed sin_len, sin_family left 0",
    (s) => {
      s.cite(
        "seed in.c:371-387 (only sin_addr of the zeroed ia_sockmask is written)",
        "seed in.c:180-192 in_socktrim",
        "seed in.c:286-288 SIOCGIFNETMASK",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "172.16.5.1").expect({ errno: "OK" });
      // 255.255.0.0: the last non-zero byte is sin_addr[1], offset 5, so sin_len 6.
      // 10.4 answers with family AF_INET: reference/divergences.yaml in-classful-mask-family-zero.
      s.ioctl("SIOCGIFNETMASK", "vtnet1", { addr: "172.16.5.1" }).expect({
        errno: "OK",
        data: { ifr_addr: { len: 6, family: 0, addr: "255.255.0.0" } },
      });
    },
  ),

  scenario("addr/explicit-netmask-bytes", "SIOCGIFNETMASK of a given /24 mask: sin_len trimmed to 7", (s) => {
    s.cite("seed in.c:371-374 (ia_sockmask = *mask)", "seed in.c:180-192 in_socktrim", "seed in.c:286-288");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.ioctl("SIOCGIFNETMASK", "vtnet1", { addr: "10.0.0.1" }).expect({
      errno: "OK",
      data: { ifr_addr: { len: 7, family: 2, addr: "255.255.255.0" } },
    });
  }),

  scenario("addr/explicit-broadcast", "A broadcast address given with the request is kept as given", (s) => {
    s.cite("seed in.c:389-391 (broadaddr->sin_len != 0 → ia_broadaddr = *broadaddr)", "seed in.c:270-276");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24", { broadaddr: "10.0.0.127" }).expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24", broadaddr: "10.0.0.127" }],
    });
    s.ioctl("SIOCGIFBRDADDR", "vtnet1", { addr: "10.0.0.1" }).expect({
      errno: "OK",
      data: { ifr_addr: { len: 16, family: 2, addr: "10.0.0.127" } },
    });
  }),

  scenario("addr/rfc3021-slash31", "A /31 gets the limited broadcast address (RFC 3021)", (s) => {
    s.cite("seed in.c:392-396 (IN_RFC3021_MASK → INADDR_BROADCAST)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.0/31").expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.0/31", broadaddr: "255.255.255.255" }],
      routes: [{ dst: "10.0.0.0/31", ifname: "vtnet1" }],
    });
  }),

  scenario("addr/slash30-broadcast", "A /30 gets subnet | ~mask as broadcast", (s) => {
    s.cite("seed in.c:397-400");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.5/30").expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.5/30", broadaddr: "10.0.0.7" }],
      routes: [{ dst: "10.0.0.4/30", ifname: "vtnet1" }],
    });
  }),

  scenario(
    "addr/slash32-broadcast-iface",
    "A /32 on an Ethernet interface is its own broadcast address and keeps a loopback route",
    (s) => {
      s.cite(
        "seed in.c:397-400 (subnet | ~0xffffffff = the address)",
        "seed in.c:452-468 (loopback route)",
        "ifconfig(8) (aliases in the same subnet take a /32 netmask)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.9/32").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.9/32", broadaddr: "10.0.0.9" }],
        routes: [
          { dst: "10.0.0.9", ifname: "lo0", flags: ["HOST"] },
          { dst: "10.0.0.0/24", ifname: "vtnet1", ifa: "10.0.0.1" },
        ],
      });
    },
  ),

  scenario(
    "addr/inaddr-any",
    "0.0.0.0 can be configured; it gets no loopback route and no announcement",
    (s) => {
      s.cite(
        "seed in.c:452-455 (no loopback route for INADDR_ANY)",
        "10.4 if_ether.c arp_ifinit (no gratuitous ARP for INADDR_ANY)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "0.0.0.0/8").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "0.0.0.0/8" }],
        routes: [{ dst: "0.0.0.0/8", ifname: "vtnet1" }],
        frames: [{ ifname: "vtnet1", where: { "arp.operation": 1 }, count: 0 }],
        arp: [{ addr: "0.0.0.0", absent: true }],
      });
    },
  ),
];
