// Mutation of corpus Programs (syzkaller-style): splice in steps of a fresh Program, drop, repeat
// or swap steps, or mutate an injected frame's bytes. The result is validated like a generated one.

import { lowerFrame } from "../harness/lower-frame.ts";
import { toHex } from "../harness/ops.ts";
import type { Nic, Program, Step } from "../harness/program.ts";
import { finish, generateProgram, mutateBytes, type GenOptions } from "./generate.ts";
import type { Rng } from "./rng.ts";

function unionNics(a: readonly Nic[], b: readonly Nic[]): Nic[] {
  return [...a, ...b.filter((n) => !a.some((m) => m.name === n.name))];
}

function mutateOnce(r: Rng, p: Program, opts: GenOptions): Program {
  const steps = [...p.steps];
  const at = r.int(0, steps.length);
  const kind = r.weighted([
    [5, "splice"],
    [2, "drop"],
    [1, "repeat"],
    [1, "swap"],
    [2, "frame"],
  ] as const);
  if (kind === "splice" || steps.length === 0) {
    const other = generateProgram(r, p.id, { ...opts, maxSteps: Math.max(1, opts.maxSteps >> 1) });
    const from = r.int(0, other.steps.length);
    steps.splice(at, 0, ...other.steps.slice(from, from + r.int(1, 4)));
    return { ...p, nics: unionNics(p.nics, other.nics), steps: steps.slice(0, opts.maxSteps) };
  }
  const i = Math.min(at, steps.length - 1);
  if (kind === "drop") steps.splice(i, 1);
  else if (kind === "repeat") steps.splice(i, 0, steps[i]);
  else if (kind === "swap" && i + 1 < steps.length) [steps[i], steps[i + 1]] = [steps[i + 1], steps[i]];
  else {
    const injects = steps.flatMap((s, j) => (s.op === "inject" ? [j] : []));
    if (injects.length > 0) {
      const j = r.pick(injects);
      const s = steps[j] as Extract<Step, { op: "inject" }>;
      steps[j] = { ...s, frame: { kind: "hex", hex: toHex(mutateBytes(r, lowerFrame(s.frame))) } };
    }
  }
  return { ...p, steps: steps.slice(0, opts.maxSteps) };
}

/** A valid mutant of `p` under the id `id` (after a few attempts, a fresh Program instead). */
export function mutateProgram(r: Rng, p: Program, id: string, opts: GenOptions): Program {
  for (let tries = 0; tries < 8; tries++) {
    let q: Program = { ...p, id };
    for (let n = r.int(1, 3); n > 0; n--) q = mutateOnce(r, q, opts);
    try {
      return finish(q);
    } catch {
      // A spliced step can name an interface the other Program destroyed first; try again.
    }
  }
  return generateProgram(r, id, opts);
}
