// The FreeBSD backend's path minus FreeBSD: ssh2 to a real OpenSSH server on 127.0.0.1, the
// agent protocol to the twin stand-in agent running there, ops executed by the backend's own
// executor. The same ops run twin-direct and twin-over-SSH must give identical results — with
// a fake kernel (exercising every op kind) and with the real twin on the suites' programs.
// Needs /usr/sbin/sshd (openssh-server); skips with the reason otherwise.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { executeOps } from "../../src/backends/freebsd/execute.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import type { Op } from "../../src/harness/ops.ts";
import { AgentClient, AgentError } from "../../src/vm/agent-client.ts";
import { frame } from "../../src/vm/agent-protocol.ts";
import { SshError, SshSession } from "../../src/vm/ssh.ts";
import { createKernel as createFakeKernel } from "./fake-kernel.ts";
import { sshdUnavailable, startSshd, type TestSshd } from "./sshd.ts";

// Real VMs and SSH on a loaded machine: generous per-test bounds (each wait inside has its own).
vi.setConfig({ testTimeout: 90_000 });

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const skip = await sshdUnavailable();
if (skip) console.warn(`test/vm/ssh-standin: skipped: ${skip}`);

const fakeOps: Op[] = [
  { op: "module", name: "carp" },
  { op: "nic", name: "vtnet0", driver: "vtnet", mac: "02:00:00:00:00:01" },
  { op: "nic", name: "tun0", driver: "tun" },
  { op: "nic", name: "vtnet0", driver: "vtnet", mac: "02:00:00:00:00:01" },
  { op: "ioctl", cred: { uid: 0 }, cmd: 0x80206910, data: "76746e657430" + "00".repeat(26) },
  { op: "ioctl", cred: { uid: 0 }, cmd: 0x80206911, data: "00ff" },
  { op: "ioctl", cred: { uid: 1001 }, cmd: 3, data: "0102" },
  { op: "ioctl", cred: { uid: 0, jail: { name: "j1", ip4: ["192.0.2.7"] } }, cmd: 3, data: "" },
  { op: "ifflags", cred: { uid: 0 }, ifname: "vtnet0", set: 1, clear: 0 },
  { op: "ifflags", cred: { uid: 0 }, ifname: "nosuch0", set: 1, clear: 0 },
  { op: "sysctl", cred: { uid: 0 }, name: "net.link.ether.inet.max_age" },
  { op: "sysctl", cred: { uid: 0 }, name: "net.link.ether.inet.max_age", value: "05000000" },
  { op: "sysctl", cred: { uid: 0 }, name: "net.link.ether.inet.max_age" },
  { op: "rtsock_write", cred: { uid: 0 }, msg: "0000000000000000", ifindex: [{ at: 4, ifname: "vtnet0" }] },
  { op: "rtsock_write", cred: { uid: 0 }, msg: "00", ifindex: [] },
  { op: "inject", ifname: "vtnet0", frame: "ffffffffffff020000000002" },
  { op: "sleep", seconds: 2.5 },
  { op: "checkpoint", label: "end" },
];

describe.skipIf(skip)("SSH transport and the stand-in agent", () => {
  let sshd: TestSshd;
  const target = () => ({
    host: "127.0.0.1",
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.clientKey,
  });
  const standin = (kernelModule?: string): string =>
    `cd ${repo} && exec ${process.execPath} --import tsx src/vm/standin-agent.ts` +
    (kernelModule ? ` --kernel-module ${kernelModule}` : "");

  async function overSsh(ops: readonly Op[], kernelModule?: string) {
    const ssh = await SshSession.connect(target(), 15_000);
    try {
      const ch = await ssh.spawn(standin(kernelModule));
      const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr }, 30_000);
      try {
        return await executeOps(agent, ops, { frames: "agent" });
      } finally {
        await agent.quit();
      }
    } finally {
      ssh.close();
    }
  }

  beforeAll(async () => {
    sshd = await startSshd();
  }, 30_000);

  afterAll(async () => {
    await sshd?.stop();
  });

  it("runs commands with ssh2 against OpenSSH, with stdin, exit codes and timeouts", async () => {
    const ssh = await SshSession.connect(target(), 15_000);
    try {
      // few execs: each one starts the user's shell (slow where ~/.bashrc does a lot)
      expect((await ssh.exec("echo hello; head -c 3", { stdin: "abcdef" })).stdout.toString()).toBe(
        "hello\nabc",
      );
      await expect(ssh.run("exit 3")).rejects.toThrow(/exited 3/);
      await expect(ssh.exec("sleep 5", { timeoutMs: 300 })).rejects.toThrow(/no exit within 300 ms/);
    } finally {
      ssh.close();
    }
  });

  it("fails fast and clearly with a key the server does not accept", async () => {
    const t = performance.now();
    const wrong = {
      ...target(),
      privateKey: (await import("ssh2")).default.utils.generateKeyPairSync("ed25519").private,
    };
    await expect(SshSession.connect(wrong, 10_000)).rejects.toThrow(
      /All configured authentication methods failed/,
    );
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it("retries until its deadline when nothing answers, then says why", async () => {
    const dead = { ...target(), port: 1 };
    await expect(SshSession.connect(dead, 1500, async () => "context line")).rejects.toThrow(
      /not ready after 1\.5 s .*ECONNREFUSED[\s\S]*context line/,
    );
    await expect(SshSession.connect(dead, 500)).rejects.toBeInstanceOf(SshError);
  });

  it("gives identical results twin-direct and over SSH (fake kernel, every op kind)", async () => {
    const direct = await createTwinBackend({ makeKernel: createFakeKernel }).run(fakeOps, {
      id: "t",
      title: "t",
    });
    const remote = await overSsh(fakeOps, path.join(repo, "test/vm/fake-kernel.ts"));
    expect(remote).toEqual(direct.results);
    // the fake makes every kind observable: errnos, data, messages, frames, dumps
    expect(remote.some((r) => r.rtsock.length > 0)).toBe(true);
    expect(remote.some((r) => r.frames.length > 0)).toBe(true);
    expect(remote.at(-1)?.dumps?.routes).toMatch(/^[0-9a-f]+$/);
    expect(new Set(remote.map((r) => r.errno)).size).toBeGreaterThan(2);
  }, 30_000);

  it("reports a dead agent as an error instead of hanging", async () => {
    const ssh = await SshSession.connect(target(), 15_000);
    try {
      const ch = await ssh.spawn(`printf '%s' '${frame("- ready inconf-agent/2 settle=0")}'; exit 0`);
      const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr });
      await expect(agent.request({ kind: "version" }, 5000)).rejects.toThrow(AgentError);
    } finally {
      ssh.close();
    }
  });

  it("refuses an agent that speaks the unframed protocol 1, saying so", async () => {
    const ssh = await SshSession.connect(target(), 15_000);
    try {
      const ch = await ssh.spawn("echo '- ready inconf-agent/1 settle=50'; sleep 5");
      await expect(AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr }, 5000)).rejects.toThrow(
        /inconf-agent\/1.*without framing.*rebuild/,
      );
    } finally {
      ssh.close();
    }
  });

  it("gives identical traces twin-direct and over SSH on the suites' programs (real twin)", async (ctx) => {
    let programs;
    try {
      const { allScenarios } = await import("../../suites/index.ts");
      const { lowerProgram } = await import("../../src/harness/lower.ts");
      programs = (await allScenarios()).slice(0, 40).map((p) => ({ id: p.id, ops: lowerProgram(p).ops }));
    } catch (e) {
      console.warn(`real-twin comparison skipped: ${(e as Error).message}`);
      ctx.skip();
      return;
    }
    const twin = createTwinBackend();
    let compared = 0;
    // one SSH session and one stand-in for all programs; "reset" gives each a fresh Kernel
    const ssh = await SshSession.connect(target(), 15_000);
    try {
      const ch = await ssh.spawn(standin());
      const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr }, 30_000);
      for (const p of programs) {
        let direct;
        try {
          direct = await twin.run(p.ops, { id: p.id, title: p.id });
        } catch {
          continue; // a program the twin itself cannot run yet is not this test's subject
        }
        await agent.request({ kind: "reset" });
        expect(await executeOps(agent, p.ops, { frames: "agent", maxSleepSeconds: 1e9 }), p.id).toEqual(
          direct.results,
        );
        compared++;
      }
      await agent.quit();
    } finally {
      ssh.close();
    }
    expect(compared).toBeGreaterThan(0);
  }, 120_000);
});
