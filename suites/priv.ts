// Privilege and feature checks before any change (seed in.c in_aifaddr_ioctl: priv_check,
// carp_attach_p).

import { scenario } from "../src/harness/scenario.ts";

export const privScenarios = [
  scenario("priv/unprivileged-aifaddr", "An unprivileged user cannot add or delete addresses", (s) => {
    s.cite(
      "in.c:in_aifaddr_ioctl priv_check(PRIV_NET_ADDIFADDR)",
      "in.c:in_difaddr_ioctl priv_check(PRIV_NET_DELIFADDR)",
    );
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24").as({ uid: 1001 }).expect({ errno: "EPERM" });
    s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    s.difaddr("vtnet1", "10.0.0.1")
      .as({ uid: 1001 })
      .expect({
        errno: "EPERM",
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.1/24" }],
      });
  }),

  scenario("carp/vhid-without-carp", "An address with a vhid needs carp loaded", (s) => {
    s.cite("in.c:in_aifaddr_ioctl (vhid > 0 && carp_attach_p == NULL → EPROTONOSUPPORT)");
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24", { vhid: 1 }).expect({
      errno: "EPROTONOSUPPORT",
      addrs: [{ ifname: "vtnet1", addr: "10.0.0.1", absent: true }],
    });
  }),
];
