// Addresses with a vhid (ifconfig ... vhid N): without carp loaded SIOCAIFADDR is refused up
// front (seed in.c 333-334); with carp loaded but no such vhid on the interface, carp_attach
// fails after the address was linked in, and fail1 unwinds it (seed 423-426, 494-507).

import { scenario } from "../../src/harness/scenario.ts";

export const carpScenarios = [
  scenario(
    "carp/vhid-no-carp-nothing-sent",
    "vhid without carp: EPROTONOSUPPORT before any side effect",
    (s) => {
      s.cite("seed in.c:333-334 (vhid > 0 && carp_attach_p == NULL)");
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24", { vhid: 7 }).expect({
        errno: "EPROTONOSUPPORT",
        routes: [{ dst: "10.0.0.0/24", absent: true }],
        frames: [{ where: { "arp.operation": 1 }, count: 0 }],
        rtsock: [{ type: "RTM_NEWADDR", absent: true }],
      });
    },
  ),

  scenario(
    "carp/vhid-unconfigured",
    "With carp loaded, an address for an unconfigured vhid is unwound",
    (s) => {
      s.cite(
        "seed in.c:423-426 (carp_attach error → fail1)",
        "seed in.c:494-507 (fail1: unlink from if_addrhead and in_ifaddrhead)",
        "ip_carp.c carp_attach (ifp->if_carp == NULL → ENOPROTOOPT)",
      );
      s.withCarp();
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24", { vhid: 1 }).expect({
        errno: "ENOPROTOOPT",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1", absent: true }],
        routes: [
          { dst: "10.0.0.0/24", absent: true },
          { dst: "10.0.0.1", absent: true },
        ],
        // fail1 is before the driver's SIOCSIFADDR: no announcement, no entry.
        frames: [{ where: { "arp.operation": 1 }, count: 0 }],
        arp: [{ addr: "10.0.0.1", absent: true }],
      });
      // The same address without a vhid is fine afterwards.
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({
        errno: "OK",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24" }],
      });
    },
  ),
];
