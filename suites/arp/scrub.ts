// What happens to ARP entries when an address goes (seed in.c in_scrubprefix 735-758, 821-833):
// the address's own entry is scrubbed, and when the prefix route goes with it every entry in the
// prefix goes too, static ones included (LLE_STATIC passed by in_difaddr_ioctl, seed 573).

import { scenario } from "../../src/harness/scenario.ts";
import { PEER_MAC } from "../macs.ts";

export const arpScrubScenarios = [
  scenario(
    "arp/delete-address-flushes-prefix",
    "Deleting the last address of a prefix flushes its ARP entries",
    (s) => {
      s.cite(
        "seed in.c:754-756 (arp_ifscrub of the address's own entry)",
        "seed in.c:821-833 (lltable_prefix_free(prefix, LLE_STATIC))",
        "seed in.c:993-1020 in_lltable_prefix_free (LLE_STATIC in flags: static entries too)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.arpSet("vtnet1", "10.0.0.5", "02:00:00:00:00:55").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      }).expect({
        arp: [
          { addr: "10.0.0.2", lladdr: PEER_MAC },
          { addr: "10.0.0.5", static: true },
        ],
      });
      s.difaddr("vtnet1", "10.0.0.1").expect({
        errno: "OK",
        arp: [
          { addr: "10.0.0.1", absent: true },
          { addr: "10.0.0.2", absent: true },
          { addr: "10.0.0.5", absent: true },
        ],
      });
    },
  ),

  scenario(
    "arp/delete-alias-keeps-prefix-entries",
    "Deleting an alias whose prefix lives on keeps the entries",
    (s) => {
      s.cite(
        "seed in.c:768-771 (no IFA_ROUTE: return before lltable_prefix_free)",
        "seed in.c:754-756 (only the alias's own entry is scrubbed)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.3/24").expect({ errno: "OK", arp: [{ addr: "10.0.0.3", static: true }] });
      s.arpSet("vtnet1", "10.0.0.5", "02:00:00:00:00:55").expect({ errno: "OK" });
      s.difaddr("vtnet1", "10.0.0.3").expect({
        errno: "OK",
        arp: [
          { addr: "10.0.0.3", absent: true },
          { addr: "10.0.0.5", static: true },
          { addr: "10.0.0.1", static: true },
        ],
      });
    },
  ),

  scenario(
    "arp/delete-holder-handover-keeps-entries",
    "Deleting the prefix holder when another address takes the route over keeps the entries",
    (s) => {
      s.cite("seed in.c:797-815 (hand-over returns before lltable_prefix_free)");
      s.nic("vtnet1");
      s.up("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.3/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.3",
      }).expect({
        arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC }],
      });
      s.difaddr("vtnet1", "10.0.0.1").expect({
        errno: "OK",
        arp: [
          { addr: "10.0.0.1", absent: true },
          { addr: "10.0.0.2", lladdr: PEER_MAC },
          { addr: "10.0.0.3", static: true },
        ],
      });
    },
  ),
];
