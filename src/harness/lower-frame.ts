// Inject steps → Ethernet frames.
// Pending: built on the src/wire builders once they land.

import type { FrameSpec } from "./program.ts";
import { fromHex } from "./ops.ts";
import { StepFieldError } from "./step-error.ts";

export function lowerFrame(spec: FrameSpec): Uint8Array {
  if (spec.kind === "hex") return fromHex(spec.hex);
  throw new StepFieldError("frame", `typed ${spec.kind} frames need the src/wire builders; give hex for now`);
}
