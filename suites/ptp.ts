// Point-to-point interfaces (tun): a destination is required and the prefix route is a host
// route to it (seed in.c in_aifaddr_ioctl, in_addprefix with RTF_HOST).

import { scenario } from "../src/harness/scenario.ts";

export const ptpScenarios = [
  scenario(
    "ptp/dstaddr-required",
    "A point-to-point address needs a destination; with one, a host route to it",
    (s) => {
      s.cite("in.c:in_aifaddr_ioctl (IFF_POINTOPOINT → EDESTADDRREQ)", "in.c:in_addprefix");
      s.nic("tun0", { driver: "tun" });
      s.aifaddr("tun0", "10.1.0.1/32").note("no ifra_dstaddr").expect({ errno: "EDESTADDRREQ" });
      s.aifaddr("tun0", "10.1.0.1/32", { dstaddr: "10.1.0.2" }).expect({
        errno: "OK",
        addrs: [{ ifname: "tun0", addr: "10.1.0.1", dstaddr: "10.1.0.2" }],
        routes: [{ dst: "10.1.0.2", ifname: "tun0", flags: ["HOST"] }],
      });
    },
  ),
];
