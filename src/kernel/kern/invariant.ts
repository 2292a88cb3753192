// Twin-internal consistency checks. A failed invariant means the twin itself is wrong (never the
// caller's input), so it is the one place the twin throws instead of returning an errno.

export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

/**
 * The modelled FreeBSD kernel would panic here: input that reaches a NULL dereference or a
 * failing KASSERT in FreeBSD itself. Unlike InvariantError this is not a twin bug but the
 * faithful answer to the input; the message cites the FreeBSD source that panics.
 */
export class KernelPanic extends Error {
  override readonly name = "KernelPanic";
}

// systm.h: KASSERT — always enabled in the twin (it models an INVARIANTS kernel).
export function KASSERT(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new InvariantError(msg);
}
