// The agent line: 100,000 requests (sizes up to the protocol's limit) through a line that
// damages bytes at random (seeded), against the C agent's Linux lint build; counts wrong and
// lost answers (both must be 0), the agent's own count of requests run (must equal the
// requests), resends, and rates. With --guest, also N requests on the real FreeBSD guest's line
// (echo: the line alone; then an ioctl per request: line plus the agent's drain).
//   npx tsx bench/line.ts [--requests N] [--rate R] [--seed S]
//     [--guest 10.4-seedin|10.4 [--guest-requests N] [--accel tcg|kvm]]

import { execa } from "execa";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AgentClient } from "../src/vm/agent-client.ts";
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
    return r.wrong === 0 && r.lost === 0 && r.ran === n;
  } finally {
    await m.stop();
    await rm(work, { recursive: true, force: true });
  }
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
