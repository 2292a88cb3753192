// What makes two divergences "the same" for shrinking and de-duplication: the same finding kind
// on the same observation (FindingKey's op and key, not its step, which moves as steps are
// dropped), or the same twin exception (its message with indices and numbers blanked).

import type { ScenarioResult } from "../harness/runner.ts";

export interface Signature {
  /** A finding kind ("errno", "state", ...), or "exception" for a twin error. */
  kind: string;
  /** FindingKey.op, or "" for an exception. */
  op: string;
  /** FindingKey.key, or the exception's normalized first line. */
  key: string;
}

export const signatureText = (s: Signature): string => `${s.kind} | ${s.op} | ${s.key}`;

/** "twin invariant failed after op 7 (ioctl): ... refcnt 3" → numbers blanked, first line only. */
function exceptionKey(reason: string): string {
  return (reason.split("\n")[0] ?? "").replace(/\d+/g, "#");
}

/** Every divergence a result shows: failing findings (catalogued ones are known, not new), or the
 * exception a side threw. Empty when the two sides agree (or only differ in known ways). */
export function signatures(r: ScenarioResult): Signature[] {
  if (r.status === "error") return [{ kind: "exception", op: "", key: exceptionKey(r.reason ?? "") }];
  return r.findings
    .filter((f) => f.verdict === "failure" || f.verdict === "regression")
    .map((f) => ({ kind: f.key.kind, op: f.key.op, key: f.key.key }));
}

export function sameSignature(a: Signature, b: Signature): boolean {
  return a.kind === b.kind && a.op === b.op && a.key === b.key;
}
