// Twin-internal consistency checks. A failed invariant means the twin itself is wrong (never the
// caller's input), so it is the one place the twin throws instead of returning an errno.

export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

// systm.h: KASSERT — always enabled in the twin (it models an INVARIANTS kernel).
export function KASSERT(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new InvariantError(msg);
}
