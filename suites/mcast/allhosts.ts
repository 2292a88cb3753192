// The all-hosts group 224.0.0.1: joined with the first IPv4 address of a multicast-capable
// interface and left with the last (seed in.c 471-480, 591-601), never reported by IGMP
// (10.4 igmp.c igmp_isgroupreported: INADDR_ALLHOSTS_GROUP is not reported).

import { parseIpv4 } from "../../src/abi/in.ts";
import { scenario } from "../../src/harness/scenario.ts";
import { mac } from "../../src/wire/addr.ts";
import { igmpQuery } from "../../src/wire/builders.ts";
import { toHex } from "../../src/wire/error.ts";

/** 10.0.0.2 → 224.0.0.1, IGMPv2 general query (max response 10 s), built by src/wire. */
const IGMPV2_GENERAL_QUERY = toHex(
  igmpQuery({ srcMac: mac("02:00:00:00:00:22"), srcIp: parseIpv4("10.0.0.2") ?? 0, version: 2 }),
);

export const mcastScenarios = [
  scenario("mcast/allhosts-silent-join", "Joining 224.0.0.1 sends no IGMP report", (s) => {
    s.cite(
      "seed in.c:471-480 (in_joingroup(ifp, INADDR_ALLHOSTS_GROUP))",
      "10.4 igmp.c igmp_initial_join (not igmp_isgroupreported → IGMP_SILENT_MEMBER)",
      "10.4 if.c if_addmulti (rt_newmaddrmsg(RTM_NEWMADDR))",
    );
    s.nic("vtnet1");
    s.observe("no groups before an address").expect({
      groups: [{ ifname: "vtnet1", group: "224.0.0.1", absent: true }],
    });
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({
      errno: "OK",
      groups: [{ ifname: "vtnet1", group: "224.0.0.1" }],
      rtsock: [{ type: "RTM_NEWMADDR", addr: "224.0.0.1", ifname: "vtnet1" }],
      frames: [{ where: { "ipv4.protocol": 2 }, count: 0 }],
    });
  }),

  scenario(
    "mcast/allhosts-per-interface",
    "Each interface joins 224.0.0.1 with its own first address",
    (s) => {
      s.cite("seed in.c:339-349 (iaIsFirst is per interface: if_addrhead of ifp)", "seed in.c:471-480");
      s.nic("vtnet1");
      s.nic("vtnet2");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet2", "10.0.1.1/24").expect({
        errno: "OK",
        groups: [
          { ifname: "vtnet1", group: "224.0.0.1" },
          { ifname: "vtnet2", group: "224.0.0.1" },
        ],
        rtsock: [{ type: "RTM_NEWMADDR", ifname: "vtnet2" }],
      });
      s.difaddr("vtnet1", "10.0.0.1").expect({
        errno: "OK",
        groups: [
          { ifname: "vtnet1", group: "224.0.0.1", absent: true },
          { ifname: "vtnet2", group: "224.0.0.1" },
        ],
      });
    },
  ),

  scenario(
    "mcast/igmp-query-not-answered-for-allhosts",
    "A general query gets no report for 224.0.0.1",
    (s) => {
      s.cite("10.4 igmp.c igmp_input_v2_query → igmp_v2_update_group (IGMP_SILENT_MEMBER stays silent)");
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", { kind: "hex", hex: IGMPV2_GENERAL_QUERY }).note(
        "IGMPv2 general query from 10.0.0.2",
      );
      s.sleep(15).expect({
        frames: [{ where: { "igmp.group": "224.0.0.1" }, count: 0 }],
        groups: [{ ifname: "vtnet1", group: "224.0.0.1" }],
      });
    },
  ),
];
