// `inconf show` and `inconf exec`: one program, op by op — what was done, what came back
// (errno, routing messages, frames decoded), the state at checkpoints, and the expectations.

import pc from "picocolors";
import { errnoName } from "../abi/errno.ts";
import { SIOCSIFFLAGS } from "../abi/sockio.ts";
import { decodeCopyout, describeOp } from "../harness/describe.ts";
import { formatSysctlValue } from "../harness/sysctl-types.ts";
import type { FrameObs, OpObs, StateObs } from "../harness/observation.ts";
import type { ScenarioResult } from "../harness/runner.ts";
import { scenarioDetails, scenarioLine } from "../harness/report-text.ts";
import { buildReport } from "../harness/report-json.ts";

function originText(o: OpObs): string {
  switch (o.origin.role) {
    case "setup":
      return "setup";
    case "step":
      return `step ${o.origin.step}`;
    case "checkpoint":
      return `  after ${o.origin.step}`;
    case "final":
      return "end";
    default: {
      const never: never = o.origin;
      throw new Error(`unhandled origin ${JSON.stringify(never)}`);
    }
  }
}

function stateLines(s: StateObs): string[] {
  const out: string[] = [];
  for (const i of s.ifs) out.push(`if    ${i.ifname} <${i.flags}>${i.lladdr ? ` ether ${i.lladdr}` : ""}`);
  for (const a of s.addrs) {
    const extra = a.broadaddr ? ` broadcast ${a.broadaddr}` : a.dstaddr ? ` --> ${a.dstaddr}` : "";
    out.push(`inet  ${a.ifname} ${a.addr}/${a.prefixlen ?? a.mask}${extra}`);
  }
  for (const r of s.routes) out.push(`route ${r.dst} ${r.gateway} <${r.flags}> ${r.ifname}`);
  for (const e of s.arp)
    out.push(`arp   ${e.addr} at ${e.lladdr} on ${e.ifname} <${e.flags}> expire ${e.expire}`);
  for (const g of s.groups) out.push(`group ${g.group}${g.lladdr ? ` at ${g.lladdr}` : ""} on ${g.ifname}`);
  return out;
}

/** Each decoded layer of a frame on one line: "arp: operation=2 senderIp=10.0.0.1 ...". */
function frameLayers(f: FrameObs): string[] {
  return f.json.layers.map((l) => {
    const fields = Object.entries(l).filter(([k]) => k !== "layer");
    return `${String(l.layer)}: ${fields.map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(" ")}`;
  });
}

/** What an ioctl copied out (ifflags: the ifreq given to SIOCSIFFLAGS), decoded and as hex. */
function copyoutLines(cmd: number, hex: string): string[] {
  const decoded = decodeCopyout(cmd, hex);
  return [`copyout ${decoded ?? `${hex.length / 2} bytes, not an in_aliasreq or ifreq`}`, `  hex ${hex}`];
}

export function renderShow(r: ScenarioResult, opts: { verbose?: boolean } = {}): string {
  const p = r.program;
  const lines = [pc.bold(`${p.id}: ${p.title}`)];
  if (p.cites.length > 0) lines.push(pc.dim(`cites: ${p.cites.join("; ")}`));
  for (const side of r.sides) {
    lines.push("", pc.bold(`on ${side.backend} (${side.release})`));
    for (const o of side.obs.ops) {
      const errno = o.errno === 0 ? pc.green("OK") : pc.yellow(errnoName(o.errno));
      const step = o.origin.role === "step" ? p.steps[o.origin.step] : undefined;
      lines.push(`${pc.dim(originText(o).padEnd(8))} ${describeOp(o.op)} → ${errno}`);
      if (step?.note !== undefined) lines.push(`         ${pc.dim(`# ${step.note}`)}`);
      if (o.op.op === "sysctl" && o.data !== undefined)
        lines.push(`         ${pc.dim(`old value ${formatSysctlValue(o.op.name, o.data)}`)}`);
      if (opts.verbose === true && o.data !== undefined && (o.op.op === "ioctl" || o.op.op === "ifflags")) {
        const cmd = o.op.op === "ioctl" ? o.op.cmd : SIOCSIFFLAGS;
        lines.push(...copyoutLines(cmd, o.data).map((l) => `         ${pc.dim(l)}`));
      }
      for (const m of o.rtsock) lines.push(`         ${pc.cyan("rtsock")} ${m.text}`);
      for (const f of o.frames) {
        lines.push(`         ${pc.magenta(`> ${f.ifname}`)} ${f.summary}`);
        if (opts.verbose === true) for (const l of frameLayers(f)) lines.push(`             ${pc.dim(l)}`);
      }
      if (o.state !== undefined) for (const l of stateLines(o.state)) lines.push(`         ${pc.dim(l)}`);
      for (const e of o.decodeErrors) lines.push(`         ${pc.red(`decode: ${e}`)}`);
    }
  }
  const report = buildReport(
    "run",
    r.sides.map((s) => s.backend),
    [r],
  );
  const s = report.scenarios[0];
  lines.push(
    "",
    scenarioLine(s),
    ...scenarioDetails(s, [report.backends[0] ?? "a", report.backends[1] ?? "b"]),
  );
  return lines.join("\n");
}
