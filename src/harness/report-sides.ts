// Both sides of a finding as lines, packetdrill-style (expected | actual, or a | b), shared
// by the terminal, Markdown and HTML reports. Frames show their one-line decode and then the
// decoded fields that differ.

import type { FrameObs, RtMsgObs } from "./observation.ts";
import type { ReportFinding } from "./report-json.ts";

export interface Sides {
  leftLabel: string;
  rightLabel: string;
  left: string[];
  right: string[];
}

function recordLines(r: unknown): string[] {
  if (r === null || r === undefined) return ["(absent)"];
  if (typeof r !== "object") return [String(r)];
  return Object.entries(r as Record<string, unknown>).map(
    ([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`,
  );
}

function isFrame(x: unknown): x is FrameObs {
  return typeof x === "object" && x !== null && "summary" in x && "json" in x;
}

function isRtMsg(x: unknown): x is RtMsgObs {
  return typeof x === "object" && x !== null && "type" in x && "addrs" in x;
}

/** "layer.field" → value for every decoded field of a frame. */
function flatFrame(f: FrameObs): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of f.json.layers) {
    for (const [k, v] of Object.entries(l))
      if (k !== "layer") out.set(`${String(l.layer)}.${k}`, JSON.stringify(v));
  }
  return out;
}

function frameSides(a: FrameObs | null, b: FrameObs | null): [string[], string[]] {
  if (a === null || b === null) {
    const one = (f: FrameObs | null): string[] =>
      f === null ? ["(no frame)"] : [`${f.ifname}: ${f.summary}`];
    return [one(a), one(b)];
  }
  const [fa, fb] = [flatFrame(a), flatFrame(b)];
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k));
  return [
    [`${a.ifname}: ${a.summary}`, ...keys.map((k) => `  ${k} = ${fa.get(k) ?? "-"}`)],
    [`${b.ifname}: ${b.summary}`, ...keys.map((k) => `  ${k} = ${fb.get(k) ?? "-"}`)],
  ];
}

function rtmLines(m: RtMsgObs | null): string[] {
  if (m === null) return ["(no message)"];
  const addrs = Object.entries(m.addrs).map(([k, v]) => `${k}=${v}`);
  return [
    `${m.type} ${m.ifname} <${m.flags}>${m.errno !== 0 ? ` errno ${m.errno}` : ""}`,
    ...addrs.map((s) => `  ${s}`),
  ];
}

export function findingSides(f: ReportFinding, labels: [string, string]): Sides {
  if (f.kind === "expect") {
    return {
      leftLabel: "expected",
      rightLabel: `actual (${labels[0]})`,
      left: [f.expected ?? ""],
      right: [f.actual ?? ""],
    };
  }
  const [leftLabel, rightLabel] = labels;
  if (f.kind === "frame" && (isFrame(f.a) || isFrame(f.b))) {
    const [left, right] = frameSides(isFrame(f.a) ? f.a : null, isFrame(f.b) ? f.b : null);
    return { leftLabel, rightLabel, left, right };
  }
  if (f.kind === "rtsock" && (isRtMsg(f.a) || isRtMsg(f.b))) {
    return {
      leftLabel,
      rightLabel,
      left: rtmLines(isRtMsg(f.a) ? f.a : null),
      right: rtmLines(isRtMsg(f.b) ? f.b : null),
    };
  }
  return { leftLabel, rightLabel, left: recordLines(f.a), right: recordLines(f.b) };
}

/** Two columns of text, the left padded to `width`. */
export function sideBySide(s: Sides, width = 48): string[] {
  const clip = (t: string): string => (t.length > width ? t.slice(0, width - 1) + "…" : t);
  const rows = Math.max(s.left.length, s.right.length);
  const out = [`${s.leftLabel.padEnd(width)} | ${s.rightLabel}`];
  for (let i = 0; i < rows; i++) out.push(`${clip(s.left[i] ?? "").padEnd(width)} | ${s.right[i] ?? ""}`);
  return out;
}
