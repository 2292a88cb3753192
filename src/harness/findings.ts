// Findings: what a run reports. An expectation that failed on one backend, or a difference
// between two backends' observations. Every finding names the scenario step, says what
// differs and carries both values, as text and as data.

import type { FrameObs, RtMsgObs, StateTable } from "./observation.ts";

interface FindingBase {
  /** Program step index; null for set-up ops and the final checkpoint. */
  step: number | null;
  /** Index into the lowered ops. */
  opIndex: number;
  /** Where, for people and for divergence matching: "step 3 routes 10.0.0.0/24". */
  path: string;
  /** One line: what differs. */
  message: string;
}

export type Finding =
  | (FindingBase & {
      kind: "expect";
      check:
        "errno" | "routes" | "arp" | "addrs" | "groups" | "frames" | "rtsock" | "data" | "sysctls" | "panic";
      expected: string;
      actual: string;
    })
  | (FindingBase & { kind: "errno"; a: number; b: number })
  | (FindingBase & { kind: "data"; a: string | null; b: string | null })
  | (FindingBase & { kind: "rtsock"; index: number; a: RtMsgObs | null; b: RtMsgObs | null })
  | (FindingBase & { kind: "frame"; index: number; a: FrameObs | null; b: FrameObs | null })
  | (FindingBase & {
      kind: "state";
      table: StateTable;
      key: string;
      a: Record<string, unknown> | null;
      b: Record<string, unknown> | null;
    });

export function stepLabel(step: number | null, opIndex: number): string {
  return step === null ? `op ${opIndex}` : `step ${step}`;
}
