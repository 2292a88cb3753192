// The agent line: 100,000 requests (sizes up to the protocol's limit) through a line that
// damages bytes at random (seeded), against the C agent's Linux lint build; counts wrong and
// lost answers (both must be 0), the agent's own count of requests run (must equal the
// requests), resends, and rates. With --guest, also N requests on the real FreeBSD guest's line
// (echoes and ioctls, the ioctls with the agent's drain), and with --settle-compare, suite
// scenarios run twice in each drain mode (the fixed 50 ms settle, and the sentinel plus a quiet
// period): whether their results differ, and the time per op.
//   npx tsx bench/line.ts [--requests N] [--rate R] [--seed S]
//     [--guest 10.4-seedin|10.4 [--guest-requests N] [--accel tcg|kvm]
//      [--settle-compare N|id,id,...] [--quiet MS]]

import { execa } from "execa";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Observations } from "../src/harness/observation.ts";
import type { RawTrace } from "../src/harness/ops.ts";
import { AgentClient } from "../src/vm/agent-client.ts";
import type { MinimalMachine } from "../src/vm/minimal-machine.ts";
import { noisyLine, stressLine, type NoiseCounters, type StressResult } from "../test/vm/noisy-line.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const ENOSYS = 38;
const ENXIO = 6;

function damageText(n: NoiseCounters): string {
  return `${(n.bytes / 1e6).toFixed(1)} MB, ${n.flipped} flipped, ${n.dropped} dropped runs, ${n.duplicated} duplicated runs, ${n.inserted} insertions`;
}

function report(what: string, r: StressResult, agent: AgentClient): void {
  console.log(
    `${what}: ${r.requests} requests (largest echo ${r.largest / 2} bytes, ${(r.requestBytes / 1e6).toFixed(1)} MB of requests) in ${(r.ms / 1000).toFixed(1)} s = ${((r.requests * 1000) / r.ms).toFixed(0)} requests/s`,
  );
  console.log(
    `  wrong answers ${r.wrong}, lost ${r.lost}, run by the agent ${r.ran} (of ${r.requests}); client: ${agent.counters.resends} resends, ${agent.counters.naks} NAKs, ${agent.counters.damaged} damaged stretches${r.firstProblem ? `; first problem: ${r.firstProblem}` : ""}`,
  );
}

async function lintAgent(n: number, rate: number, seed: number): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "inconf-bench-line-"));
  try {
    const bin = path.join(dir, "inconf-agent");
    await execa("gcc", ["-DINCONF_LINT_ON_LINUX", "-O1", "-o", bin, "vm/agent/inconf-agent.c"]);
    const p = spawn(bin, ["-s", "0"]);
    try {
      const line = noisyLine(p, seed, { rate, cleanBytes: 80 });
      const agent = await AgentClient.start({ stdin: line.stdin, stdout: line.stdout }, 10_000, {
        ackTimeoutMs: 50,
        pollMs: 300,
        stallMs: 30,
      });
      const r = await stressLine(agent, n, seed + 1, ENOSYS);
      report(`C agent (lint build), ${(rate * 100).toFixed(1)}% of pieces damaged`, r, agent);
      console.log(`  damage to the agent: ${damageText(line.up)}`);
      console.log(`  damage from the agent: ${damageText(line.down)}`);
      await agent.quit();
      return r.wrong === 0 && r.lost === 0 && r.ran === n;
    } finally {
      p.kill();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The real guest: the lead's minimal machine (loaded only when asked for). */
async function realGuest(name: string, n: number): Promise<boolean> {
  const { minimalGuest, buildMinimalGuest } = await import("../src/vm/minimal-guest.ts");
  const { MinimalMachine } = await import("../src/vm/minimal-machine.ts");
  const { probeQemu } = await import("../src/vm/host.ts");
  const guest = minimalGuest(name);
  if (!guest) throw new Error("--guest is 10.4-seedin or 10.4");
  const host = await probeQemu("qemu-system-x86_64", arg("--accel", "tcg") as "tcg" | "kvm");
  const work = await mkdtemp(path.join(os.tmpdir(), "inconf-bench-line-vm-"));
  const built = await buildMinimalGuest(guest);
  const m = await MinimalMachine.create({ built, host, workDir: work });
  try {
    const { agent } = await m.reset();
    console.log(`freebsd:${guest.name}: ${m.agentVersion}`);
    // the ioctls are SIOCGIFFLAGS on random names: ENXIO (if.c ifioctl, ifunit_ref fails)
    const r = await stressLine(agent, n, 5, ENXIO);
    report(`real guest, ${built.agentLine} agent line`, r, agent);
    const compare = arg("--settle-compare", "");
    if (compare) await settleCompare(m, compare, Number(arg("--quiet", "10")));
    return r.wrong === 0 && r.lost === 0 && r.ran === n;
  } finally {
    await m.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** Suite scenarios in both drain modes on the guest, twice each, decoded and normalised as the
 * runner does: the findings between two runs of one mode (what varies by itself) and between the
 * modes, and the time per op. */
async function settleCompare(m: MinimalMachine, which: string, quietMs: number): Promise<void> {
  const { allScenarios } = await import("../suites/index.ts");
  const { lowerProgram } = await import("../src/harness/lower.ts");
  const { decodeTrace } = await import("../src/harness/decode.ts");
  const { normalize } = await import("../src/harness/normalize.ts");
  const { diffObservations } = await import("../src/harness/diff.ts");
  const { programInterfaces } = await import("../src/harness/program-check.ts");
  const { TRACE_FORMAT } = await import("../src/harness/ops.ts");
  const { executeOps, NetdevFrames } = await import("../src/backends/freebsd/execute.ts");
  const all = allScenarios();
  const picked = /^\d+$/.test(which)
    ? all.slice(0, Number(which))
    : all.filter((p) => which.split(",").includes(p.id));
  const modes = [
    { name: "settle 50 ms", req: { kind: "settle", settleMs: 50 } as const },
    { name: `sentinel + ${quietMs} ms`, req: { kind: "settle", settleMs: 50, quietMs } as const },
  ];
  const time = modes.map(() => ({ ms: 0, ops: 0 }));
  let same = 0;
  for (const p of picked) {
    const ops = lowerProgram(p).ops;
    const runs: (Observations | string)[][] = modes.map(() => []);
    for (let round = 0; round < 2; round++) {
      for (const [k, mode] of modes.entries()) {
        const { agent } = await m.reset();
        await agent.request(mode.req);
        const ports = new Map(m.testNicNames.map((nic, i) => [nic, m.qemu.nics[i]] as const));
        const t = performance.now();
        try {
          const results = await executeOps(agent, ops, { frames: new NetdevFrames(ports) });
          time[k].ms += performance.now() - t;
          time[k].ops += ops.length;
          const trace: RawTrace = {
            format: TRACE_FORMAT,
            program: p.id,
            backend: "bench",
            provenance: { release: "10.4", uname: m.uname, date: new Date().toISOString() },
            ops: [...ops],
            results,
          };
          runs[k].push(normalize(decodeTrace(trace, p), { interfaces: programInterfaces(p) }).obs);
        } catch (e) {
          runs[k].push(`error: ${(e as Error).message}`);
        }
      }
    }
    const findings = (a: Observations | string, b: Observations | string): string =>
      typeof a === "string" || typeof b === "string"
        ? a === b
          ? "0"
          : "error"
        : String(diffObservations(a, b).length);
    const within = modes.map((_, k) => findings(runs[k][0], runs[k][1]));
    const across = [findings(runs[0][0], runs[1][0]), findings(runs[0][1], runs[1][1])];
    if (across.every((f) => f === "0")) same++;
    console.log(
      `  ${p.id}: ${ops.length} ops; findings between runs of ${modes[0].name}: ${within[0]}, of ${modes[1].name}: ${within[1]}; between the modes: ${across.join(", ")}`,
    );
  }
  for (const [k, mode] of modes.entries()) {
    console.log(
      `  ${mode.name}: ${time[k].ops} ops in ${(time[k].ms / 1000).toFixed(1)} s, ${(time[k].ms / Math.max(1, time[k].ops)).toFixed(1)} ms per op`,
    );
  }
  console.log(`  ${same} of ${picked.length} scenarios without findings between the modes`);
}

async function main(): Promise<void> {
  const n = Math.min(Number(arg("--requests", "100000")), 10_000_000);
  const rate = Number(arg("--rate", "0.02"));
  const seed = Number(arg("--seed", "20261203"));
  let ok = await lintAgent(n, rate, seed);
  const guest = arg("--guest", "");
  if (guest)
    ok = (await realGuest(guest, Math.min(Number(arg("--guest-requests", "2000")), 1_000_000))) && ok;
  if (!ok) process.exitCode = 1;
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
