// Real QEMU: boots the Linux test guest once for this file and exercises what the FreeBSD
// backend relies on: serial console login through the provisioning engine, SSH (ssh2), QMP
// savevm/loadvm, and raw frames in and out of a test NIC through its -netdev dgram.
// Needs qemu-system-x86_64, qemu-img and vm/testguest/build.sh's output; skips with the reason
// otherwise. CI installs QEMU and builds the guest (.ci/run).

import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { executeOps, NetdevFrames } from "../../src/backends/freebsd/execute.ts";
import type { Op } from "../../src/harness/ops.ts";
import { AgentClient } from "../../src/vm/agent-client.ts";
import { runScript } from "../../src/vm/expect.ts";
import { probeQemu, type QemuHost } from "../../src/vm/host.ts";
import { linuxLoginScript } from "../../src/vm/provision.ts";
import type { QemuVm } from "../../src/vm/qemu.ts";
import { QmpError } from "../../src/vm/qmp.ts";
import {
  findTestGuest,
  launchTestGuest,
  sshTestGuest,
  TESTGUEST_MAC,
  type TestGuestInfo,
} from "../../src/vm/testguest.ts";
import { arpRequest, parseArp, macBytes } from "./frames.ts";

// Real VMs and SSH on a loaded machine: generous per-test bounds (each wait inside has its own).
vi.setConfig({ testTimeout: 90_000 });

async function prerequisites(): Promise<{ host: QemuHost; guest: TestGuestInfo } | string> {
  let host: QemuHost;
  try {
    host = await probeQemu();
    await execa("qemu-img", ["--version"]);
  } catch (e) {
    return (e as Error).message;
  }
  const guest = await findTestGuest();
  if (typeof guest === "string") return guest;
  return { host, guest };
}

const pre = await prerequisites();
const skip = typeof pre === "string" ? pre : false;
if (skip) console.warn(`test/vm/testguest: skipped: ${skip}`);

describe.skipIf(skip)("Linux test guest under QEMU", () => {
  let vm: QemuVm;
  let guest: TestGuestInfo;
  let bootMs = 0;

  beforeAll(async () => {
    if (typeof pre === "string") return;
    guest = pre.guest;
    const t = performance.now();
    vm = await launchTestGuest(pre.host, guest, { pcap: true });
    // The console login doubles as "booted": getty runs after the NICs and dropbear are up.
    await runScript(vm.console, linuxLoginScript(90_000, ["ip -4 addr show dev eth1"]));
    bootMs = performance.now() - t;
  }, 120_000);

  afterAll(async () => {
    await vm?.stop();
  });

  it("logs in on the serial console and runs commands there", () => {
    expect(bootMs).toBeGreaterThan(0);
    expect(vm.console.text).toContain("inconf-testguest: ready");
    expect(vm.console.text).toMatch(/inet 192\.0\.2\.2\/24/);
  });

  it("runs commands over SSH (ssh2), with stdin and exit codes", async () => {
    const ssh = await sshTestGuest(vm, guest, 30_000);
    try {
      expect((await ssh.run("uname -s")).trim()).toBe("Linux");
      const echoed = await ssh.exec("cat", { stdin: Buffer.from([0, 1, 2, 255]) });
      expect([...echoed.stdout]).toEqual([0, 1, 2, 255]);
      const failed = await ssh.exec("exit 7");
      expect(failed.code).toBe(7);
    } finally {
      ssh.close();
    }
  });

  it("answers an injected ARP request on the test NIC, captured host side", async () => {
    const nic = vm.nics[0];
    nic.take();
    const ours = "02:00:00:00:00:01";
    await nic.send(arpRequest({ senderMac: ours, senderIp: "192.0.2.1", targetIp: "192.0.2.2" }));
    const reply = await nic.waitFrame((f) => parseArp(f)?.op === 2, 10_000);
    const arp = parseArp(reply.frame);
    expect(arp).toEqual({
      dst: macBytes(ours),
      src: macBytes(TESTGUEST_MAC),
      op: 2,
      senderMac: macBytes(TESTGUEST_MAC),
      senderIp: "192.0.2.2",
      targetMac: macBytes(ours),
      targetIp: "192.0.2.1",
    });
    // Replies come unpadded (42 bytes), and no IPv6 frames (the guest has IPv6 off).
    expect(reply.frame.length).toBe(42);
    expect(nic.peek().some((c) => c.frame[12] === 0x86 && c.frame[13] === 0xdd)).toBe(false);
  });

  it("writes a pcap of the test NIC that tcpdump reads", async (ctx) => {
    const tcpdump = await execa("tcpdump", ["--version"], { reject: false });
    if (tcpdump.exitCode !== 0) ctx.skip();
    // filter-dump writes as frames pass; the ARP exchange above is in it.
    const out = await execa("tcpdump", ["-nn", "-e", "-r", `${vm.dir}/nic0.pcap`, "arp"], { reject: false });
    expect(out.stdout).toMatch(/Request who-has 192\.0\.2\.2 tell 192\.0\.2\.1/);
    expect(out.stdout).toMatch(/Reply 192\.0\.2\.2 is-at 52:54:00:12:34:02/);
  });

  it("runs ops through the C agent over SSH (dropbear) with host-side frames, as the FreeBSD backend does", async (ctx) => {
    // The agent's Linux lint build (FreeBSD calls stubbed with ENOSYS) runs in the guest: this
    // checks the backend's transport and frame path end to end, not FreeBSD behaviour.
    const bin = path.join(vm.dir, "inconf-agent-lint");
    const gcc = await execa(
      "gcc",
      [
        "-DINCONF_LINT_ON_LINUX",
        "-O1",
        "-o",
        bin,
        path.resolve(import.meta.dirname, "../../vm/agent/inconf-agent.c"),
      ],
      { reject: false },
    ).catch(() => ({ exitCode: 1 }));
    if (gcc.exitCode !== 0) ctx.skip();
    const ssh = await sshTestGuest(vm, guest, 30_000);
    try {
      await ssh.run("cat > /tmp/inconf-agent && chmod 755 /tmp/inconf-agent", { stdin: await readFile(bin) });
      const ch = await ssh.spawn("/tmp/inconf-agent -s 20");
      const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr });
      const ours = "02:00:00:00:00:09";
      const frame = Buffer.from(
        arpRequest({ senderMac: ours, senderIp: "192.0.2.9", targetIp: "192.0.2.2" }),
      ).toString("hex");
      const ops: Op[] = [
        { op: "ioctl", cred: { uid: 0 }, cmd: 0xc0206921, data: "00".repeat(32) },
        { op: "inject", ifname: "eth1", frame },
        { op: "sleep", seconds: 0.1 },
        { op: "checkpoint", label: "end" },
      ];
      const results = await executeOps(agent, ops, {
        frames: new NetdevFrames(new Map([["eth1", vm.nics[0]]])),
      });
      await agent.quit();
      expect(results.map((r) => r.errno)).toEqual([38, 0, 0, 38]); // ENOSYS from the stubs
      const replies = results[1].frames.map((f) => parseArp(Buffer.from(f.frame, "hex")));
      expect(replies).toContainEqual(
        expect.objectContaining({ op: 2, senderIp: "192.0.2.2", targetIp: "192.0.2.9" }),
      );
      expect(results[1].frames.every((f) => f.ifname === "eth1" && f.time >= 0)).toBe(true);
      await expect(
        executeOps(agent, [{ op: "inject", ifname: "eth7", frame }], { frames: new NetdevFrames(new Map()) }),
      ).rejects.toThrow(/only the test NICs/);
    } finally {
      ssh.close();
    }
  });

  it("restores a savevm snapshot with loadvm, and a fresh SSH connection works after it", async () => {
    let ssh = await sshTestGuest(vm, guest, 30_000);
    await ssh.run("rm -f /tmp/after-snapshot");
    ssh.close();
    await vm.qmp.saveSnapshot("t0");
    ssh = await sshTestGuest(vm, guest, 30_000);
    await ssh.run("touch /tmp/after-snapshot");
    ssh.close();
    await vm.qmp.loadSnapshot("t0");
    ssh = await sshTestGuest(vm, guest, 30_000);
    try {
      const r = await ssh.exec("test -e /tmp/after-snapshot");
      expect(r.code).toBe(1);
    } finally {
      ssh.close();
    }
  });

  it("reports a failed loadvm as an error and leaves the VM running", async () => {
    await expect(vm.qmp.loadSnapshot("no-such-snapshot")).rejects.toBeInstanceOf(QmpError);
    expect((await vm.qmp.status()).running).toBe(true);
  });

  it("keeps the console log on disk", async () => {
    const log = await readFile(vm.consoleLog, "latin1");
    expect(log).toContain("inconf-testguest login:");
  });
});
