// Malformed ioctl arguments given as raw bytes, the way a buggy or hostile program would pass
// them: struct in_aliasreq (68 bytes on amd64: ifra_name[16], ifra_addr, ifra_broadaddr,
// ifra_mask, ifra_vhid) and struct ifreq (32 bytes). Each field is written out by hand.
// Checks: seed in.c in_aifaddr_ioctl 313-334, in_difaddr_ioctl 526-530.

import { scenario } from "../../src/harness/scenario.ts";

const NAME = "76746e6574310000" + "0000000000000000"; // "vtnet1", NUL-padded to IFNAMSIZ
const SIN_10_0_0_1 = "1002" + "0000" + "0a000001" + "0000000000000000"; // len 16, AF_INET, port 0
const SIN_NONE = "00".repeat(16);
const MASK_24 = "1002" + "0000" + "ffffff00" + "0000000000000000";
const VHID_0 = "00000000";

/** in_aliasreq from its four fields (hex). */
const aliasreq = (addr: string, brd: string, mask: string, vhid = VHID_0): string =>
  NAME + addr + brd + mask + vhid;

export const malformedScenarios = [
  scenario(
    "malformed/raw-aliasreq-ok",
    "A well-formed in_aliasreq written byte by byte adds the address",
    (s) => {
      s.cite("seed in.c:297-334 (all checks pass)", "sys/netinet/in_var.h struct in_aliasreq");
      s.nic("vtnet1");
      s.ioctlHex("SIOCAIFADDR", aliasreq(SIN_10_0_0_1, SIN_NONE, MASK_24)).expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24", broadaddr: "10.0.0.255" }],
      });
    },
  ),

  scenario("malformed/raw-addr-sin-len", "ifra_addr with sin_len 15 is EINVAL", (s) => {
    s.cite("seed in.c:318-320 (addr->sin_len != sizeof(struct sockaddr_in))");
    s.nic("vtnet1");
    s.ioctlHex("SIOCAIFADDR", aliasreq("0f02" + SIN_10_0_0_1.slice(4), SIN_NONE, MASK_24)).expect({
      errno: "EINVAL",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.1", absent: true }],
    });
  }),

  scenario("malformed/raw-addr-family", "ifra_addr of family AF_INET6 is EINVAL", (s) => {
    s.cite("seed in.c:318-320 (addr->sin_family != AF_INET)");
    s.nic("vtnet1");
    s.ioctlHex("SIOCAIFADDR", aliasreq("101c" + SIN_10_0_0_1.slice(4), SIN_NONE, MASK_24)).expect({
      errno: "EINVAL",
    });
  }),

  scenario("malformed/raw-mask-family", "ifra_mask with sin_len 16 but family AF_INET6 is EINVAL", (s) => {
    s.cite("seed in.c:325-328 (mask->sin_len != 0 && family != AF_INET)");
    s.nic("vtnet1");
    s.ioctlHex("SIOCAIFADDR", aliasreq(SIN_10_0_0_1, SIN_NONE, "101c" + MASK_24.slice(4))).expect({
      errno: "EINVAL",
    });
  }),

  scenario("malformed/raw-broadaddr-family", "ifra_broadaddr with sin_len 16 and family 0 is EINVAL", (s) => {
    s.cite("seed in.c:321-324 (broadaddr->sin_len != 0 && family != AF_INET)");
    s.nic("vtnet1");
    s.ioctlHex(
      "SIOCAIFADDR",
      aliasreq(SIN_10_0_0_1, "1000" + "0000" + "0a0000ff" + "00".repeat(8), MASK_24),
    ).expect({
      errno: "EINVAL",
    });
  }),

  scenario(
    "malformed/raw-mask-len-zero",
    "ifra_mask with sin_len 0 is ignored: the classful mask is used",
    (s) => {
      s.cite("seed in.c:325 (mask->sin_len == 0: no check)", "seed in.c:375-387 (classful guess)");
      s.nic("vtnet1");
      // sin_len 0 but family and bytes of a /24: only sin_len decides.
      s.ioctlHex("SIOCAIFADDR", aliasreq(SIN_10_0_0_1, SIN_NONE, "0002" + MASK_24.slice(4))).expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/8", broadaddr: "10.255.255.255" }],
      });
    },
  ),

  scenario(
    "malformed/raw-port-ignored",
    "A port in ifra_addr is kept in the address but not checked",
    (s) => {
      s.cite(
        "seed in.c:318-320 (only sin_len and sin_family are checked)",
        "seed in.c:370 (ia_addr = *addr)",
      );
      s.nic("vtnet1");
      s.ioctlHex("SIOCAIFADDR", aliasreq("1002" + "1f90" + SIN_10_0_0_1.slice(8), SIN_NONE, MASK_24)).expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24" }],
      });
      // SIOCGIFADDR copies ia_addr back whole (seed 266-268): the port 8080 (0x1f90) with it.
      s.ioctl("SIOCGIFADDR", "vtnet1").expect({
        errno: "OK",
        data: { hex: NAME + "1002" + "1f90" + "0a000001" + "0000000000000000" },
      });
    },
  ),

  scenario("malformed/raw-difaddr-ifreq", "SIOCDIFADDR as a raw ifreq deletes the named address", (s) => {
    s.cite("seed in.c:526-530 (well-formed: deleteAny false)", "seed in.c:546-549");
    s.nic("vtnet1");
    s.ioctlHex("SIOCAIFADDR", aliasreq(SIN_10_0_0_1, SIN_NONE, MASK_24)).expect({ errno: "OK" });
    s.ioctlHex("SIOCDIFADDR", NAME + SIN_10_0_0_1).expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.1", absent: true }],
    });
  }),

  scenario("malformed/short-aliasreq", "An in_aliasreq cut after ifra_addr: the rest reads as zeros", (s) => {
    s.cite(
      "vm/agent/inconf-agent.c do_ioctl (the buffer is IOCPARM_LEN(cmd) long, zeroed, the given bytes first)",
      "seed in.c:321-328 (sin_len 0 broadaddr and mask pass)",
      "seed in.c:375-387 (classful mask)",
      "seed in.c:305, 333 (vhid 0)",
    );
    s.nic("vtnet1");
    // 32 of the 68 bytes: ifra_name and ifra_addr only.
    s.ioctlHex("SIOCAIFADDR", NAME + SIN_10_0_0_1).expect({
      errno: "OK",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/8", broadaddr: "10.255.255.255" }],
    });
  }),
];
