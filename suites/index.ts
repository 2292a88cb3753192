// The suite registry: every scenario `inconf run` knows, in a stable order. A new suite file
// exports an array of Programs and is added to SUITES here.

import type { Program } from "../src/harness/program.ts";
import { addrScenarios } from "./addr.ts";
import { addrAliasScenarios } from "./addr/alias.ts";
import { addrBroadcastScenarios } from "./addr/broadcast.ts";
import { addrGetScenarios } from "./addr/get.ts";
import { addrMaskScenarios } from "./addr/mask.ts";
import { addrPrefixScenarios } from "./addr/prefix.ts";
import { arpScenarios } from "./arp.ts";
import { arpFlagScenarios } from "./arp/flags.ts";
import { arpInputScenarios } from "./arp/input.ts";
import { arpResolveScenarios } from "./arp/resolve.ts";
import { arpScrubScenarios } from "./arp/scrub.ts";
import { arpStaticScenarios } from "./arp/static.ts";
import { arpTimerScenarios } from "./arp/timers.ts";
import { carpScenarios } from "./carp/vhid.ts";
import { detachScenarios } from "./detach/destroy.ts";
import { fibScenarios } from "./fib/fib0.ts";
import { jailScenarios } from "./jail/prison.ts";
import { linkScenarios } from "./link/updown.ts";
import { loScenarios } from "./lo/lo0.ts";
import { malformedScenarios } from "./malformed/raw.ts";
import { mcastScenarios } from "./mcast/allhosts.ts";
import { privScenarios } from "./priv.ts";
import { privCheckScenarios, privSysctlScenarios } from "./priv/checks.ts";
import { ptpScenarios } from "./ptp.ts";
import { ptpTunScenarios } from "./ptp/tun.ts";
import { rtsockL3Scenarios } from "./rtsock/l3.ts";
import { sameIpScenarios } from "./sameip/two-ifaces.ts";

export const SUITES: readonly (readonly Program[])[] = [
  addrScenarios,
  addrAliasScenarios,
  addrPrefixScenarios,
  addrMaskScenarios,
  addrGetScenarios,
  addrBroadcastScenarios,
  ptpScenarios,
  ptpTunScenarios,
  loScenarios,
  sameIpScenarios,
  fibScenarios,
  privScenarios,
  privCheckScenarios,
  privSysctlScenarios,
  jailScenarios,
  carpScenarios,
  malformedScenarios,
  arpScenarios,
  arpResolveScenarios,
  arpInputScenarios,
  arpStaticScenarios,
  arpTimerScenarios,
  arpScrubScenarios,
  arpFlagScenarios,
  mcastScenarios,
  linkScenarios,
  detachScenarios,
  rtsockL3Scenarios,
];

/** Every registered scenario; throws if two share an id. */
export function allScenarios(): Program[] {
  const all = SUITES.flat();
  const seen = new Set<string>();
  for (const p of all) {
    if (seen.has(p.id)) throw new Error(`suites: two scenarios have the id "${p.id}"; ids must be unique`);
    seen.add(p.id);
  }
  return all;
}
