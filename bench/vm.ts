// The minimal FreeBSD 10.4 guests (freebsd:10.4-seedin, freebsd:10.4): ISO build (cold and
// cached), boot to the agent's ready line, savevm, the reset between scenarios (loadvm), agent
// round trips on the line, and real scenarios per second through the VM backend.
//   npx tsx bench/vm.ts [--guest 10.4-seedin|10.4] [--resets N] [--ops N] [--scenarios N]
//     [--accel tcg|kvm]
// The Linux test guest's machinery numbers are bench/vm-testguest.ts.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createMinimalBackend } from "../src/backends/freebsd/minimal.ts";
import { lowerProgram } from "../src/harness/lower.ts";
import { probeQemu } from "../src/vm/host.ts";
import { buildMinimalGuest, minimalGuest } from "../src/vm/minimal-guest.ts";
import { MinimalMachine } from "../src/vm/minimal-machine.ts";
import type { Accel } from "../src/vm/qemu-args.ts";
import { allScenarios } from "../suites/index.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `n=${s.length} median ${s[Math.floor(s.length / 2)].toFixed(1)} ms, mean ${mean.toFixed(1)}, min ${s[0].toFixed(1)}, max ${s[s.length - 1].toFixed(1)}`;
}

async function main(): Promise<void> {
  const guest = minimalGuest(arg("--guest", "10.4-seedin"));
  if (!guest) throw new Error("--guest is 10.4-seedin or 10.4");
  const resets = Math.min(Number(arg("--resets", "20")), 200);
  const opCount = Math.min(Number(arg("--ops", "200")), 10_000);
  const scenarioCount = Math.min(Number(arg("--scenarios", "30")), 1000);
  const accel = arg("--accel", "tcg") as Accel;
  const host = await probeQemu("qemu-system-x86_64", accel);
  console.log(
    `freebsd:${guest.name}; QEMU ${host.versionText} (${host.accel}); load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  const cache = await mkdtemp(path.join(os.tmpdir(), "inconf-bench-guests-"));
  const work = await mkdtemp(path.join(os.tmpdir(), "inconf-bench-vm-"));
  try {
    let t = performance.now();
    const built = await buildMinimalGuest(guest, { cacheDir: cache });
    console.log(`ISO build, cold cache: ${(performance.now() - t).toFixed(0)} ms`);
    t = performance.now();
    await buildMinimalGuest(guest, { cacheDir: cache });
    console.log(`ISO build, cached: ${(performance.now() - t).toFixed(1)} ms`);

    const m = await MinimalMachine.create({ built, host, workDir: work });
    try {
      console.log(
        `boot to the agent's ready line: ${m.bootMs.toFixed(0)} ms; savevm ${m.snapshotMs.toFixed(0)} ms`,
      );
      const reset: number[] = [];
      for (let i = 0; i < resets; i++) {
        t = performance.now();
        const { agent } = await m.reset();
        await agent.request({ kind: "version" });
        reset.push(performance.now() - t);
      }
      console.log(`reset (loadvm + first answer): ${stats(reset)}`);

      const { agent } = await m.reset();
      const rt: number[] = [];
      for (let i = 0; i < opCount; i++) {
        t = performance.now();
        await agent.request({
          kind: "ioctl",
          cred: { uid: 0 },
          cmd: 0xc0206911,
          data: "6c6f30".padEnd(64, "0"),
        });
        rt.push(performance.now() - t);
      }
      console.log(`SIOCGIFFLAGS lo0 round trip (settle included): ${stats(rt)}`);
    } finally {
      await m.stop();
    }

    const programs = allScenarios().slice(0, scenarioCount);
    const backend = createMinimalBackend(guest, { accel, cacheDir: cache, log: () => undefined });
    try {
      await backend.run(lowerProgram(programs[0]).ops, programs[0]); // boot outside the timing
      t = performance.now();
      for (const p of programs) await backend.run(lowerProgram(p).ops, p).catch(() => undefined);
      const per = (performance.now() - t) / programs.length;
      console.log(
        `suite scenarios through the VM backend: ${programs.length} in ${((performance.now() - t) / 1000).toFixed(1)} s, ${per.toFixed(0)} ms each, ${(1000 / per).toFixed(2)} scenarios/s`,
      );
    } finally {
      await backend.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`bench/vm: ${e.message}`);
  process.exitCode = 1;
});
