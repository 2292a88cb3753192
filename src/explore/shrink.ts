// Shrinking a diverging Program to a small one that still diverges the same way: delta debugging
// over the steps (ddmin), then dropping NICs, set-up sysctls, credentials and optional arguments,
// and shortening frames and sleeps, until no single change keeps the divergence. Every candidate
// goes through the harness's loader first; one it rejects is simply not tried.

import type { Program, SinSpec, Step } from "../harness/program.ts";
import { finish } from "./generate.ts";

/** Does this Program still diverge the same way? (Runs it on both backends.) */
export type Oracle = (p: Program) => Promise<boolean>;

export interface ShrinkResult {
  program: Program;
  /** Candidates run on the backends. */
  runs: number;
}

/** A candidate the loader accepts, or undefined. */
function valid(p: Program): Program | undefined {
  try {
    return finish(p);
  } catch {
    return undefined;
  }
}

const withSteps = (p: Program, steps: Step[]): Program => ({ ...p, steps });

/** Simpler versions of one step, most aggressive first. */
function stepVariants(s: Step): Step[] {
  const out: Step[] = [];
  if (s.as !== undefined) {
    const { as: _dropped, ...rest } = s;
    out.push(rest as Step);
  }
  if (s.op === "ioctl" && s.args !== undefined) {
    for (const k of ["broadaddr", "dstaddr", "mask", "vhid"] as const) {
      if (s.args[k] === undefined) continue;
      const args = { ...s.args };
      delete args[k];
      out.push({ ...s, args });
    }
    for (const k of ["addr", "mask", "broadaddr", "dstaddr"] as const) {
      const v: SinSpec | undefined = s.args[k];
      if (typeof v === "object" && v.addr !== undefined) out.push({ ...s, args: { ...s.args, [k]: v.addr } });
      if (typeof v === "string" && v.includes("/") && !v.endsWith("/24"))
        out.push({ ...s, args: { ...s.args, [k]: `${v.split("/")[0]}/24` } });
    }
  }
  if (s.op === "ioctl" && s.hex !== undefined && s.hex.length > 32)
    out.push({ ...s, hex: s.hex.slice(0, 32) });
  if (s.op === "inject" && s.frame.kind === "hex" && s.frame.hex.length > 2) {
    const h = s.frame.hex;
    const half = Math.floor(h.length / 4) * 2;
    out.push({ ...s, frame: { kind: "hex", hex: h.slice(0, half) } });
    out.push({ ...s, frame: { kind: "hex", hex: h.slice(0, h.length - 2) } });
  }
  if (s.op === "sleep" && s.seconds > 1) out.push({ ...s, seconds: Math.ceil(s.seconds / 2) });
  if (s.op === "route" && s.flags !== undefined) {
    const { flags: _f, ...rest } = s;
    out.push(rest as Step);
  }
  return out;
}

/** Program-wide simplifications: a NIC and the steps on it, the set-up sysctls. */
function programVariants(p: Program): Program[] {
  const out: Program[] = [];
  if (p.sysctls !== undefined) {
    const { sysctls: _s, ...rest } = p;
    out.push(rest as Program);
  }
  for (const nic of p.nics) {
    const touches = (s: Step): boolean => JSON.stringify(s).includes(`"${nic.name}"`);
    out.push({ ...p, nics: p.nics.filter((n) => n !== nic), steps: p.steps.filter((s) => !touches(s)) });
  }
  return out;
}

/**
 * Reduces `start` (which must diverge) while `oracle` holds, trying at most `budget` candidates.
 * Deterministic: the same Program and oracle give the same result.
 */
export async function shrink(start: Program, oracle: Oracle, budget = 2000): Promise<ShrinkResult> {
  let best = start;
  let runs = 0;
  const tried = new Set<string>();
  /** Runs a candidate once; adopts it when it still diverges. */
  const attempt = async (candidate: Program): Promise<boolean> => {
    if (runs >= budget) return false;
    const p = valid(candidate);
    if (p === undefined) return false;
    const text = JSON.stringify(p);
    if (tried.has(text)) return false;
    tried.add(text);
    runs++;
    if (!(await oracle(p))) return false;
    best = p;
    return true;
  };

  let progress = true;
  while (progress && runs < budget) {
    progress = false;
    // ddmin over the steps: drop chunks, halving the chunk size down to single steps.
    for (let chunk = Math.max(1, best.steps.length >> 1); chunk >= 1; chunk >>= 1) {
      for (let i = 0; i < best.steps.length;) {
        const steps = [...best.steps.slice(0, i), ...best.steps.slice(i + chunk)];
        if (await attempt(withSteps(best, steps))) progress = true;
        else i += chunk;
      }
    }
    for (const v of programVariants(best)) if (await attempt(v)) progress = true;
    for (let i = 0; i < best.steps.length; i++) {
      for (const v of stepVariants(best.steps[i])) {
        const steps = [...best.steps];
        steps[i] = v;
        if (await attempt(withSteps(best, steps))) {
          progress = true;
          break;
        }
      }
    }
  }
  return { program: best, runs };
}
