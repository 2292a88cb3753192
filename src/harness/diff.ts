// Diffs two backends' normalized observations of the same program, op by op: errno, ioctl
// output bytes, routing messages, emitted frames, and each state table keyed by what
// identifies a row (a route by destination and interface, an ARP entry by address...).

import { isDeepStrictEqual } from "node:util";
import { errnoName } from "../abi/errno.ts";
import type { Finding } from "./findings.ts";
import { stepLabel } from "./findings.ts";
import {
  STATE_TABLES,
  type Observations,
  type OpObs,
  type StateObs,
  type StateTable,
} from "./observation.ts";

const KEYS: Record<StateTable, (row: Record<string, unknown>) => string> = {
  ifs: (r) => String(r.ifname),
  addrs: (r) => `${r.ifname} ${r.addr}`,
  routes: (r) => `${r.dst} ${r.ifname}`,
  arp: (r) => `${r.addr} ${r.ifname}`,
  groups: (r) => `${r.ifname} ${r.group}`,
};

/** Differences between `a` and `b`; both must come from the same lowered program. */
export function diffObservations(a: Observations, b: Observations): Finding[] {
  if (a.ops.length !== b.ops.length) {
    throw new Error(`cannot diff ${a.backend} and ${b.backend}: ${a.ops.length} ops against ${b.ops.length}`);
  }
  return a.ops.flatMap((x, i) => diffOp(x, b.ops[i]));
}

function stepOf(op: OpObs): number | null {
  return op.origin.role === "step" || op.origin.role === "checkpoint" ? op.origin.step : null;
}

function diffOp(x: OpObs, y: OpObs): Finding[] {
  const step = stepOf(x);
  const where = `${stepLabel(step, x.index)} (${x.op.op})`;
  const base = { step, opIndex: x.index };
  const out: Finding[] = [];
  if (x.errno !== y.errno) {
    out.push({
      ...base,
      kind: "errno",
      path: `${where} errno`,
      message: `errno ${errnoName(x.errno)} vs ${errnoName(y.errno)}`,
      a: x.errno,
      b: y.errno,
    });
  }
  if ((x.data ?? null) !== (y.data ?? null)) {
    out.push({
      ...base,
      kind: "data",
      path: `${where} data`,
      message: "ioctl/sysctl output bytes differ",
      a: x.data ?? null,
      b: y.data ?? null,
    });
  }
  const msgs = Math.max(x.rtsock.length, y.rtsock.length);
  for (let i = 0; i < msgs; i++) {
    const [p, q] = [x.rtsock[i] ?? null, y.rtsock[i] ?? null];
    // `text` repeats the fields (with raw indices); compare the decoded fields only.
    const strip = (m: typeof p): unknown => (m === null ? null : { ...m, text: undefined });
    if (!isDeepStrictEqual(strip(p), strip(q))) {
      const type = p?.type ?? q?.type ?? "?";
      out.push({
        ...base,
        kind: "rtsock",
        index: i,
        path: `${where} rtsock #${i} ${type}`,
        message: `routing message #${i}: ${p ? p.type : "none"} vs ${q ? q.type : "none"}`,
        a: p,
        b: q,
      });
    }
  }
  const frames = Math.max(x.frames.length, y.frames.length);
  for (let i = 0; i < frames; i++) {
    const [p, q] = [x.frames[i] ?? null, y.frames[i] ?? null];
    const same =
      p !== null &&
      q !== null &&
      p.ifname === q.ifname &&
      p.time === q.time &&
      isDeepStrictEqual(p.json, q.json);
    if (!same) {
      out.push({
        ...base,
        kind: "frame",
        index: i,
        path: `${where} frame #${i} ${p?.ifname ?? q?.ifname ?? ""}`.trimEnd(),
        message: `frame #${i}: ${p ? p.summary : "none"} vs ${q ? q.summary : "none"}`,
        a: p,
        b: q,
      });
    }
  }
  if (x.state !== undefined || y.state !== undefined) out.push(...diffState(x.state, y.state, base, where));
  return out;
}

function diffState(
  x: StateObs | undefined,
  y: StateObs | undefined,
  base: { step: number | null; opIndex: number },
  where: string,
): Finding[] {
  const out: Finding[] = [];
  for (const table of STATE_TABLES) {
    const rows = (s: StateObs | undefined): Map<string, Record<string, unknown>> =>
      new Map(
        (s?.[table] ?? []).map((r) => [
          KEYS[table](r as unknown as Record<string, unknown>),
          r as unknown as Record<string, unknown>,
        ]),
      );
    const [p, q] = [rows(x), rows(y)];
    for (const key of new Set([...p.keys(), ...q.keys()])) {
      const [ra, rb] = [p.get(key) ?? null, q.get(key) ?? null];
      if (isDeepStrictEqual(ra, rb)) continue;
      const fields =
        ra !== null && rb !== null
          ? Object.keys({ ...ra, ...rb })
              .filter((k) => !isDeepStrictEqual(ra[k], rb[k]))
              .join(", ")
          : "";
      const message =
        ra === null
          ? `${table} ${key}: only in b`
          : rb === null
            ? `${table} ${key}: only in a`
            : `${table} ${key}: ${fields} differ`;
      out.push({
        ...base,
        kind: "state",
        table,
        key,
        path: `${where} ${table} ${key}`,
        message,
        a: ra,
        b: rb,
      });
    }
  }
  return out;
}
