// Route steps → routing-socket messages as route(8) and arp(8) write them.
// Pending: built on src/abi/route.ts encodeRoutingMessage once that lands.

import type { Step } from "./program.ts";
import { StepFieldError } from "./step-error.ts";

export function lowerRoute(step: Extract<Step, { op: "route" }>): {
  msg: string;
  ifindex?: { at: number; ifname: string }[];
} {
  if (step.hex !== undefined) return { msg: step.hex };
  throw new StepFieldError(
    "",
    "typed route steps need src/abi/route.ts encodeRoutingMessage; give hex for now",
  );
}
