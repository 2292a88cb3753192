// ARP through the routing socket and on the wire (seed in.c lltable half; 10.4 if_ether.c
// in_arpinput, if_llatbl.c lla_rt_output).

import { scenario } from "../src/harness/scenario.ts";
import { PEER_MAC } from "./macs.ts";

export const arpScenarios = [
  scenario("arp/static-add", "arp -s adds a permanent static entry", (s) => {
    s.cite("tests/sys/netinet/arp.sh:arp_add_success", "if_llatbl.c:lla_rt_output", "in.c:in_lltable_dump");
    s.nic("vtnet1");
    s.up("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.arpSet("vtnet1", "10.0.0.5", "02:00:00:00:00:55").expect({
      errno: "OK",
      arp: [{ addr: "10.0.0.5", lladdr: "02:00:00:00:00:55", ifname: "vtnet1", static: true }],
    });
    s.arpDelete("vtnet1", "10.0.0.5").expect({ errno: "OK", arp: [{ addr: "10.0.0.5", absent: true }] });
  }),

  scenario("arp/answer-request", "A request for our address is answered and its sender learned", (s) => {
    s.cite("if_ether.c:in_arpinput (itaddr == myaddr: reply, create the sender's entry)");
    s.nic("vtnet1");
    s.up("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.0.1",
    }).expect({
      frames: [
        {
          ifname: "vtnet1",
          where: {
            "ethernet.dst": PEER_MAC,
            "arp.operation": 2,
            "arp.senderIp": "10.0.0.1",
            "arp.targetIp": "10.0.0.2",
          },
          count: 1,
        },
      ],
      arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC, ifname: "vtnet1", static: false }],
    });
  }),
];
