// The broadcast address of a configured prefix in use: an echo request sent to it as a link
// broadcast is accepted by IP as ours (seed in.c in_broadcast 852-889, ia_broadaddr from
// in_aifaddr_ioctl 389-400) and then not answered (10.4 ip_icmp.c icmp_input: ICMP_ECHO to a
// broadcast or multicast is ignored unless net.inet.icmp.bmcastecho is set, default 0).

import { scenario } from "../../src/harness/scenario.ts";
import { PEER_MAC } from "../macs.ts";

export const addrBroadcastScenarios = [
  scenario(
    "addr/broadcast-echo-ignored",
    "A broadcast ping to the subnet's broadcast address gets no reply",
    (s) => {
      s.cite(
        "seed in.c:389-400 (ia_broadaddr 10.0.0.255)",
        "10.4 ip_icmp.c icmp_input (M_BCAST && !V_icmpbmcastecho → no echo reply)",
        "10.4 if_ethersubr.c ether_input (ff:ff:ff:ff:ff:ff → M_BCAST)",
      );
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "icmp-echo",
        src_mac: PEER_MAC,
        dst_mac: "ff:ff:ff:ff:ff:ff",
        src_ip: "10.0.0.2",
        dst_ip: "10.0.0.255",
      }).expect({
        // No echo reply, hence no need to resolve the peer either.
        frames: [
          { where: { "ipv4.protocol": 1 }, count: 0 },
          { where: { "arp.operation": 1, "arp.targetIp": "10.0.0.2" }, count: 0 },
        ],
        arp: [{ addr: "10.0.0.2", absent: true }],
      });
    },
  ),

  scenario("addr/unicast-echo-answered", "The same ping to our address is answered (after ARP)", (s) => {
    s.cite("10.4 ip_icmp.c icmp_input/icmp_reflect", "10.4 if_ether.c arpresolve");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.arpSet("vtnet1", "10.0.0.2", PEER_MAC).expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "icmp-echo",
      src_mac: PEER_MAC,
      dst_mac: "02:00:00:00:00:01",
      src_ip: "10.0.0.2",
      dst_ip: "10.0.0.1",
    }).expect({
      // The static entry resolves at once: the reply goes out without an ARP request.
      frames: [
        {
          where: {
            "ethernet.dst": PEER_MAC,
            "ipv4.src": "10.0.0.1",
            "ipv4.dst": "10.0.0.2",
            "ipv4.protocol": 1,
          },
          count: 1,
        },
        { where: { "arp.operation": 1 }, count: 0 },
      ],
    });
  }),
];
