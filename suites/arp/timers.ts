// ARP on the virtual clock: entry expiry after net.link.ether.inet.max_age (10.4 if_ether.c
// in_arpinput arms la_timer for arpt_keep; arptimer frees it), the gratuitous ARP sent when an
// address is added (arp_ifinit) and its retransmissions (garp_rexmit_count). Ports
// tests/sys/netinet/arp.sh garp.

import { scenario } from "../../src/harness/scenario.ts";
import { PEER_MAC } from "../macs.ts";

/** arprequest(ifp, 10.0.0.1, 10.0.0.1, our MAC), broadcast: who-has 10.0.0.1 tell 10.0.0.1. */
const GARP_10_0_0_1 =
  "ffffffffffff" + // M_BCAST → ifp->if_broadcastaddr
  "020000000001" +
  "0806" +
  "0001" + // ar_hrd, set by ether_output
  "0800" +
  "06" +
  "04" +
  "0001" + // ARPOP_REQUEST
  "020000000001" + // ar_sha
  "0a000001" + // ar_spa
  "000000000000" + // ar_tha: bzero'd by arprequest
  "0a000001"; // ar_tpa

export const arpTimerScenarios = [
  scenario("arp/expire-after-max-age", "A learned entry lives max_age seconds", (s) => {
    s.cite(
      "10.4 if_ether.c in_arpinput (la_expire = time_uptime + V_arpt_keep; callout_reset(hz * V_arpt_keep))",
      "10.4 if_ether.c arptimer (LLE_VALID: LLENTRY_EXPIRED, llentry_free)",
      "arp(4) (net.link.ether.inet.max_age)",
    );
    // 3, not 5: a guest's uptime may tick between the inject and the dump, so the entry has
    // max_age or max_age - 1 seconds left there, and lle-expire-relative rounds to 10 s; 5 and 4
    // fall on either side of that rounding, 3 and 2 do not.
    s.tune("net.link.ether.inet.max_age", 3);
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.inject("vtnet1", {
      kind: "arp-request",
      src_mac: PEER_MAC,
      src_ip: "10.0.0.2",
      target_ip: "10.0.0.1",
    }).expect({
      arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC }],
    });
    s.sleep(2).expect({ arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC }] });
    s.sleep(2).expect({
      arp: [
        { addr: "10.0.0.2", absent: true },
        // The interface address's own entry is LLE_STATIC and never expires.
        { addr: "10.0.0.1", static: true },
      ],
    });
  }),

  scenario(
    "arp/expiry-refreshed-by-traffic",
    "A new request from the host pushes the expiry out again",
    (s) => {
      s.cite("10.4 if_ether.c in_arpinput (callout_reset re-arms la_timer on every update)");
      s.tune("net.link.ether.inet.max_age", 5);
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      });
      s.sleep(4);
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: PEER_MAC,
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      });
      s.sleep(4).expect({ arp: [{ addr: "10.0.0.2", lladdr: PEER_MAC }] });
      s.sleep(2).expect({ arp: [{ addr: "10.0.0.2", absent: true }] });
    },
  ),

  scenario("arp/garp-on-add-byte-exact", "Adding an address broadcasts exactly this gratuitous ARP", (s) => {
    s.cite(
      "10.4 if_ether.c arp_ifinit (arprequest(ifp, &addr, &addr, IF_LLADDR(ifp)))",
      "10.4 if_ether.c arprequest (bzero, ar_pro, ar_hln, ar_pln, ar_op, sha, spa, tpa; M_BCAST)",
      "seed in.c:428-437 (if_ioctl SIOCSIFADDR → ether_ioctl → arp_ifinit)",
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({
      errno: "OK",
      frames: [{ ifname: "vtnet1", where: {}, hex: GARP_10_0_0_1, count: 1 }],
      // arp_ifinit also makes the permanent entry for the address (LLE_IFADDR | LLE_STATIC).
      arp: [{ addr: "10.0.0.1", ifname: "vtnet1", lladdr: "02:00:00:00:00:01", static: true }],
    });
  }),

  scenario(
    "arp/garp-retransmit",
    "With garp_rexmit_count=3 the first retransmission panics the seed kernel, after 1 s",
    (s) => {
      s.cite(
        "tests/sys/netinet/arp.sh:garp (garp_rexmit_count=3, then wait)",
        "10.4 if_ether.c garp_timer_start (first after 1 s)",
        "10.4 if_ether.c:990/998 garp_rexmit IFA_UNLOCK, expecting the lock 10.4 in.c:420 gives the callout",
        "seed in.c:359-367 (no callout_init_mtx of ia_garp_timer)",
      );
      s.tune("net.link.ether.inet.garp_rexmit_count", 3);
      s.nic("vtnet1");
      const garp = {
        where: { "arp.operation": 1, "arp.senderIp": "192.0.2.1", "arp.targetIp": "192.0.2.1" },
      };
      s.aifaddr("vtnet1", "192.0.2.1/24").expect({ errno: "OK", frames: [{ ...garp, count: 1 }] });
      s.sleep(0.5)
        .note("t=0.5: nothing yet")
        .expect({ frames: [{ ...garp, count: 0 }] });
      // Stock 10.4 retransmits at t=1, 3 and 7 s (catalogued divergence).
      s.sleep(1).note("t=1: garp_rexmit faults").expect({ panic: true });
    },
  ),

  scenario("arp/garp-rexmit-clamped", "garp_rexmit_count is clamped to 0..16", (s) => {
    s.cite("10.4 if_ether.c sysctl_garp_rexmit (< 0 → 0, > MAX_GARP_RETRANSMITS (16) → 16)");
    s.sysctl("net.link.ether.inet.garp_rexmit_count", 100).expect({ errno: "OK" });
    s.sysctl("net.link.ether.inet.garp_rexmit_count").expect({ errno: "OK", data: { hex: "10000000" } });
    s.sysctl("net.link.ether.inet.garp_rexmit_count", -5).expect({ errno: "OK" });
    s.sysctl("net.link.ether.inet.garp_rexmit_count").expect({ errno: "OK", data: { hex: "00000000" } });
  }),
];
