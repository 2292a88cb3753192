// VM machinery numbers on the Linux test guest (vm/testguest/build.sh): boot to SSH, savevm, the reset
// between scenarios (loadvm + fresh SSH + agent start; aim < 0.5 s), agent round trips over
// SSH, and whole scenarios per second. The agent in the guest is the C agent's Linux lint build
// (its FreeBSD calls return ENOSYS), so these measure the machinery, not FreeBSD.
//   npx tsx bench/vm-testguest.ts [--resets N] [--ops N]

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { executeOps, NetdevFrames } from "../src/backends/freebsd/execute.ts";
import type { Op } from "../src/harness/ops.ts";
import { AgentClient } from "../src/vm/agent-client.ts";
import { AGENT_SOURCE } from "../src/vm/freebsd-machine.ts";
import { probeQemu } from "../src/vm/host.ts";
import { findTestGuest, launchTestGuest, sshTestGuest, TestGuestMachine } from "../src/vm/testguest.ts";
import { createVmBackend } from "../src/backends/freebsd/vm-backend.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `n=${s.length} mean ${mean.toFixed(0)} ms, median ${s[Math.floor(s.length / 2)].toFixed(0)} ms, min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)}`;
}

async function main(): Promise<void> {
  const resets = Math.min(arg("--resets", 10), 100);
  const opCount = Math.min(arg("--ops", 200), 5000);
  const guest = await findTestGuest();
  if (typeof guest === "string") throw new Error(guest);
  const host = await probeQemu();
  const work = await mkdtemp(path.join(tmpdir(), "inconf-bench-"));
  const bin = path.join(work, "inconf-agent");
  await execa("gcc", ["-DINCONF_LINT_ON_LINUX", "-O1", "-o", bin, AGENT_SOURCE]);
  console.log(`QEMU ${host.versionText} (${host.accel})`);

  let t = performance.now();
  const vm = await launchTestGuest(host, guest);
  try {
    let ssh = await sshTestGuest(vm, guest, 120_000);
    console.log(`boot to SSH: ${(performance.now() - t).toFixed(0)} ms`);
    await ssh.run("cat > /tmp/inconf-agent && chmod 755 /tmp/inconf-agent", { stdin: await readFile(bin) });
    ssh.close();

    t = performance.now();
    await vm.qmp.saveSnapshot("bench");
    console.log(`savevm: ${(performance.now() - t).toFixed(0)} ms`);

    const loadvm: number[] = [];
    const reset: number[] = [];
    for (let i = 0; i < resets; i++) {
      t = performance.now();
      await vm.qmp.loadSnapshot("bench");
      loadvm.push(performance.now() - t);
      ssh = await sshTestGuest(vm, guest, 30_000);
      const ch = await ssh.spawn("/tmp/inconf-agent -s 0");
      const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr });
      reset.push(performance.now() - t);
      await agent.quit();
      ssh.close();
    }
    console.log(`loadvm: ${stats(loadvm)}`);
    console.log(`reset (loadvm + fresh SSH + agent ready): ${stats(reset)}`);

    await vm.qmp.loadSnapshot("bench");
    ssh = await sshTestGuest(vm, guest, 30_000);
    const ch = await ssh.spawn("/tmp/inconf-agent -s 0");
    const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr });
    t = performance.now();
    for (let i = 0; i < opCount; i++) {
      await agent.request({ kind: "ioctl", cred: { uid: 0 }, cmd: 0xc0206921, data: "00".repeat(32) });
    }
    const rt = (performance.now() - t) / opCount;
    console.log(`agent round trip over SSH: ${rt.toFixed(2)} ms/op (${(1000 / rt).toFixed(0)} ops/s)`);

    const ops: Op[] = Array.from({ length: 20 }, () => ({
      op: "ioctl",
      cred: { uid: 0 },
      cmd: 0xc0206921,
      data: "00".repeat(32),
    }));
    const frames = new NetdevFrames(new Map([["eth1", vm.nics[0]]]));
    t = performance.now();
    await executeOps(agent, ops, { frames });
    const per = (performance.now() - t) / ops.length;
    console.log(
      `executeOps with host-side frame settling (30 ms quiet): ${per.toFixed(1)} ms/op (${(1000 / per).toFixed(1)} ops/s)`,
    );
    await agent.quit();
    ssh.close();
  } finally {
    await vm.stop();
  }

  // Whole scenarios through the VM backend itself (reset, agent, 20 ops, host-side frames).
  const machine = await TestGuestMachine.create(host, guest, path.join(work, "vm"), bin);
  const backend = createVmBackend({
    name: "testguest",
    start: async () => machine,
    provenance: () => ({ release: "linux-testguest", uname: "bench" }),
  });
  try {
    const ops: Op[] = Array.from({ length: 20 }, () => ({
      op: "ioctl",
      cred: { uid: 0 },
      cmd: 0xc0206921,
      data: "00".repeat(32),
    }));
    const n = Math.min(resets, 10);
    t = performance.now();
    for (let i = 0; i < n; i++) await backend.run(ops, { id: `bench/${i}`, title: "bench" });
    const perScenario = (performance.now() - t) / n;
    console.log(
      `scenarios through the VM backend (reset + 20 ops): ${perScenario.toFixed(0)} ms each, ${(1000 / perScenario).toFixed(2)} scenarios/s`,
    );
  } finally {
    await backend.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`bench/vm: ${e.message}`);
  process.exitCode = 1;
});
