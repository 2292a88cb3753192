// The VM backend's own logic (reset per program, host-side frames, restart and retry once when
// the VM dies) run for real on the Linux test guest, whose agent is the C agent's Linux lint
// build (FreeBSD calls stubbed). One guest boot for the file. Needs QEMU, the built test guest
// and gcc; skips with the reason otherwise.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Backend } from "../../src/backends/backend.ts";
import { createVmBackend } from "../../src/backends/freebsd/vm-backend.ts";
import type { Op } from "../../src/harness/ops.ts";
import { AGENT_SOURCE } from "../../src/vm/freebsd-machine.ts";
import { probeQemu, type QemuHost } from "../../src/vm/host.ts";
import { findTestGuest, TestGuestMachine, type TestGuestInfo } from "../../src/vm/testguest.ts";
import { arpRequest, parseArp } from "./frames.ts";

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
  const gcc = await execa("gcc", ["--version"], { reject: false }).catch(() => ({ exitCode: 1 }));
  if (gcc.exitCode !== 0) return "gcc not installed (builds the agent's Linux lint build)";
  const guest = await findTestGuest();
  return typeof guest === "string" ? guest : { host, guest };
}

const pre = await prerequisites();
const skip = typeof pre === "string" ? pre : false;
if (skip) console.warn(`test/vm/vm-backend: skipped: ${skip}`);

const arp = Buffer.from(
  arpRequest({ senderMac: "02:00:00:00:00:07", senderIp: "192.0.2.7", targetIp: "192.0.2.2" }),
).toString("hex");
const SIOCGIFFLAGS = 0xc0206911;

describe.skipIf(skip)("VM backend on the Linux test guest", () => {
  let dir: string;
  let machine: TestGuestMachine;
  let backend: Backend;

  beforeAll(async () => {
    if (typeof pre === "string") return;
    dir = await mkdtemp(path.join(tmpdir(), "inconf-vmb-"));
    const bin = path.join(dir, "inconf-agent");
    await execa("gcc", ["-DINCONF_LINT_ON_LINUX", "-O1", "-o", bin, AGENT_SOURCE]);
    machine = await TestGuestMachine.create(pre.host, pre.guest, path.join(dir, "vm"), bin);
    backend = createVmBackend({
      name: "testguest",
      start: async () => machine,
      provenance: () => ({ release: "linux-testguest", uname: "inconf Linux test guest" }),
      opTimeoutMs: 4000, // a hung guest is noticed after 4 s here (60 s by default)
    });
  }, 180_000);

  afterAll(async () => {
    await backend?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs a program from the snapshot and captures the guest's frames per op", async () => {
    const ops: Op[] = [
      { op: "ioctl", cred: { uid: 0 }, cmd: SIOCGIFFLAGS, data: "00".repeat(32) },
      { op: "inject", ifname: "eth1", frame: arp },
      { op: "checkpoint", label: "end" },
    ];
    const trace = await backend.run(ops, { id: "tg/arp", title: "arp" });
    expect(trace.backend).toBe("testguest");
    expect(trace.ops).toEqual(ops);
    expect(trace.results.map((r) => r.errno)).toEqual([38, 0, 38]);
    // Nothing the op caused: the only frames allowed are the Linux guest announcing its own
    // address (a gratuitous ARP, sender = target = 192.0.2.2), which it may send at any time
    // after a loadvm on a loaded host.
    const own = (f: { frame: string }) => {
      const a = parseArp(Buffer.from(f.frame, "hex"));
      return a !== null && a.senderIp === "192.0.2.2" && a.targetIp === "192.0.2.2";
    };
    expect(trace.results[0].frames.filter((f) => !own(f))).toEqual([]);
    const replies = trace.results[1].frames.map((f) => parseArp(Buffer.from(f.frame, "hex")));
    expect(replies).toContainEqual(
      expect.objectContaining({ op: 2, senderIp: "192.0.2.2", targetIp: "192.0.2.7" }),
    );
    expect(trace.provenance.notes ?? "").not.toMatch(/retried/);
  }, 60_000);

  it("restarts a VM that dies mid-program, retries once, and says so in the provenance", async () => {
    let kills = 0;
    machine.onReset = (vm) => {
      machine.onReset = null;
      kills++;
      setTimeout(() => vm.kill(), 300); // during the sleep op below
    };
    const ops: Op[] = [
      { op: "ioctl", cred: { uid: 0 }, cmd: SIOCGIFFLAGS, data: "00".repeat(32) },
      { op: "sleep", seconds: 2 },
      { op: "inject", ifname: "eth1", frame: arp },
    ];
    const trace = await backend.run(ops, { id: "tg/crash-once", title: "crash once" });
    expect(kills).toBe(1);
    expect(trace.results).toHaveLength(3);
    expect(trace.provenance.notes).toMatch(
      /retried once after restarting the VM \(QEMU exited: SIGKILL.*at op 1 of 3/,
    );
    expect(trace.results[2].frames.some((f) => parseArp(Buffer.from(f.frame, "hex"))?.op === 2)).toBe(true);
  }, 120_000);

  it("restarts a VM that hangs (QEMU paused) and retries once", async () => {
    machine.onReset = (vm) => {
      machine.onReset = null;
      setTimeout(() => void vm.qmp.execute("stop"), 300); // frozen, still running
    };
    const ops: Op[] = [
      { op: "sleep", seconds: 1 },
      { op: "inject", ifname: "eth1", frame: arp },
    ];
    const trace = await backend.run(ops, { id: "tg/hang-once", title: "hang once" });
    expect(trace.provenance.notes).toMatch(
      /retried once after restarting the VM \(VM hung or unreachable; at op 0 of 2: no answer within/,
    );
    expect(trace.results[1].frames.some((f) => parseArp(Buffer.from(f.frame, "hex"))?.op === 2)).toBe(true);
  }, 120_000);

  it("gives up with a clear error when the VM dies again after the restart", async () => {
    machine.onReset = (vm) => void setTimeout(() => vm.kill(), 300);
    const ops: Op[] = [{ op: "sleep", seconds: 2 }];
    await expect(backend.run(ops, { id: "tg/crash-twice", title: "crash twice" })).rejects.toThrow(
      /tg\/crash-twice: failed again after a VM restart \(at op 0 of 1\)/,
    );
    machine.onReset = null;
    // and the backend recovers for the next program
    await machine.restart();
    const ok = await backend.run([{ op: "checkpoint", label: "x" }], { id: "tg/after", title: "after" });
    expect(ok.results).toHaveLength(1);
  }, 180_000);
});
