// Diffs two backends' normalized observations of the same program, op by op: errno, ioctl
// output bytes, routing messages, emitted frames, and each state table keyed by what
// identifies a row (a route by destination and interface, an ARP entry by address...).

import { isDeepStrictEqual } from "node:util";
import { errnoName } from "../abi/errno.ts";
import { stepLabel, type Finding } from "./findings.ts";
import { align } from "./align.ts";
import {
  STATE_TABLES,
  type FrameObs,
  type Observations,
  type OpObs,
  type RtMsgObs,
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
  // `text` repeats the fields (with raw indices); compare the decoded fields only.
  const sameMsg = (p: RtMsgObs, q: RtMsgObs): boolean =>
    isDeepStrictEqual({ ...p, text: "" }, { ...q, text: "" });
  for (const d of align(x.rtsock, y.rtsock, sameMsg, (p, q) => p.type === q.type)) {
    if (d.kind === "same") continue;
    const [p, q] = d.kind === "changed" ? [d.a, d.b] : d.kind === "only-a" ? [d.a, null] : [null, d.b];
    const index = d.kind === "only-b" ? d.j : d.i;
    const type = (p ?? q)?.type ?? "?";
    const message =
      d.kind === "changed"
        ? `routing message #${index} ${type} differs`
        : d.kind === "only-a"
          ? `routing message #${index} ${type} only in a`
          : `routing message #${index} ${type} only in b`;
    out.push({
      ...base,
      kind: "rtsock",
      index,
      path: `${where} rtsock #${index} ${type}`,
      message,
      a: p,
      b: q,
    });
  }
  const sameFrame = (p: FrameObs, q: FrameObs): boolean =>
    p.ifname === q.ifname && p.time === q.time && isDeepStrictEqual(p.json, q.json);
  for (const d of align(x.frames, y.frames, sameFrame, (p, q) => p.ifname === q.ifname)) {
    if (d.kind === "same") continue;
    const [p, q] = d.kind === "changed" ? [d.a, d.b] : d.kind === "only-a" ? [d.a, null] : [null, d.b];
    const index = d.kind === "only-b" ? d.j : d.i;
    const ifname = (p ?? q)?.ifname ?? "";
    const message =
      d.kind === "changed"
        ? `frame #${index} on ${ifname} differs: ${p?.summary === q?.summary ? p?.summary : `${p?.summary} vs ${q?.summary}`}`
        : d.kind === "only-a"
          ? `frame #${index} on ${ifname} only in a: ${p?.summary}`
          : `frame #${index} on ${ifname} only in b: ${q?.summary}`;
    out.push({
      ...base,
      kind: "frame",
      index,
      path: `${where} frame #${index} ${ifname}`,
      message,
      a: p,
      b: q,
    });
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
