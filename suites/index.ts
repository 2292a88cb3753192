// The suite registry: every scenario `inconf run` knows, in a stable order. A new suite file
// exports an array of Programs and is added to SUITES here.

import type { Program } from "../src/harness/program.ts";
import { addrScenarios } from "./addr.ts";
import { arpScenarios } from "./arp.ts";
import { privScenarios } from "./priv.ts";
import { ptpScenarios } from "./ptp.ts";

export const SUITES: readonly (readonly Program[])[] = [
  addrScenarios,
  ptpScenarios,
  privScenarios,
  arpScenarios,
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
