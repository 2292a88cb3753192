// A minimal FreeBSD guest (vm/freebsd/10.4, see minimal-guest.ts) under QEMU: no SSH and no
// provisioning. init runs the agent on a chardev unix socket (a virtio-console port by default);
// the host connects before the guest boots, waits for the ready line and takes the snapshot once
// the agent is idle. A reset restores it: the agent resumes in the middle of reading its next
// line and the same connection keeps working, so the reset costs one loadvm.

import net from "node:net";
import { AgentClient } from "./agent-client.ts";
import type { QemuHost } from "./host.ts";
import type { BuiltGuest } from "./minimal-guest.ts";
import { freebsdTestNicDevices, freebsdTestNicNames } from "./freebsd-nics.ts";
import { QemuVm } from "./qemu.ts";

export const SNAPSHOT = "inconf-ready";

export interface MinimalMachineOptions {
  built: BuiltGuest;
  host: QemuHost;
  /** Sockets, console log and the qcow2 that holds the snapshot. */
  workDir: string;
  testNics?: number;
  memoryMb?: number;
  cpus?: number;
  /** Boot to the agent's ready line (TCG: 6-10 s quiet, 20+ s on a loaded host). */
  bootTimeoutMs?: number;
  pcap?: boolean;
  log?: (line: string) => void;
}

/** Connects to QEMU's chardev socket, retrying while QEMU creates it. */
async function connectSocket(file: string, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(file);
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`cannot connect to the agent socket ${file}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export class MinimalMachine {
  private vm: QemuVm | null = null;
  private socket: net.Socket | null = null;
  private client: AgentClient | null = null;
  /** The agent's version request answer: `inconf-agent/N freebsd <uname -a>`. */
  agentVersion = "";
  bootMs = 0;
  snapshotMs = 0;
  private readyVersion = "";
  private readySettle = 0;

  private constructor(
    private readonly o: Required<Omit<MinimalMachineOptions, "log">> & Pick<MinimalMachineOptions, "log">,
  ) {}

  static async create(opts: MinimalMachineOptions): Promise<MinimalMachine> {
    const m = new MinimalMachine({
      testNics: 3, // vtnet0..vtnet2, as the SSH guests: the suites use up to vtnet2
      memoryMb: 512,
      cpus: 1,
      bootTimeoutMs: 180_000,
      pcap: false,
      ...opts,
    });
    try {
      await m.boot();
    } catch (e) {
      const tail = (await m.vm?.consoleTail(25).catch(() => "")) ?? "";
      await m.stop();
      throw new Error(`${(e as Error).message}${tail ? `\nconsole:\n${tail}` : ""}`);
    }
    return m;
  }

  get testNicNames(): string[] {
    return freebsdTestNicNames(this.o.testNics);
  }

  get qemu(): QemuVm {
    if (!this.vm) throw new Error("the FreeBSD guest is not running");
    return this.vm;
  }

  /** `uname -a` of the running kernel, as the agent reports it. */
  get uname(): string {
    return this.agentVersion.replace(/^\S+ freebsd /, "");
  }

  private launch(): Promise<QemuVm> {
    return QemuVm.launch({
      host: this.o.host,
      boot: { kind: "cdrom", iso: this.o.built.iso },
      machine: "pc",
      cpus: this.o.cpus,
      memoryMb: this.o.memoryMb,
      // em0 keeps the interface indexes of the SSH layout (em0 1, vtnet0 2, ...); it goes nowhere
      mgmtModel: "e1000",
      noSsh: true,
      agentLine: this.o.built.agentLine,
      testNics: freebsdTestNicDevices(this.o.testNics),
      workDir: this.o.workDir,
      pcap: this.o.pcap,
    });
  }

  private async attachSocket(vm: QemuVm): Promise<net.Socket> {
    this.socket?.destroy();
    const s = await connectSocket(vm.agentSocket, 15_000);
    this.socket = s;
    return s;
  }

  private async boot(): Promise<void> {
    const t0 = performance.now();
    this.o.log?.(`booting ${this.o.built.guest.name} (${this.o.host.accel}) in ${this.o.workDir}`);
    const vm = await this.launch();
    this.vm = vm;
    // before the guest prints its ready line: QEMU drops what a chardev says with no client
    const s = await this.attachSocket(vm);
    const agent = await AgentClient.start({ stdin: s, stdout: s }, this.o.bootTimeoutMs);
    this.readyVersion = agent.version;
    this.readySettle = agent.settleMs;
    this.agentVersion = (await agent.request({ kind: "version" }, 30_000)).version ?? agent.version;
    this.client = agent;
    this.bootMs = performance.now() - t0;
    const t1 = performance.now();
    await vm.qmp.saveSnapshot(SNAPSHOT);
    this.snapshotMs = performance.now() - t1;
  }

  /** Back to the snapshot; the agent is the one the guest booted with, on the same line. */
  async reset(): Promise<{ agent: AgentClient; end(): Promise<void> }> {
    const vm = this.qemu;
    if (vm.exited !== null) throw new Error(`QEMU exited: ${vm.exited}`);
    if (!this.client?.alive) throw new Error("the agent line is closed");
    await vm.qmp.loadSnapshot(SNAPSHOT);
    const agent = this.client;
    return { agent, end: async () => undefined };
  }

  /** A dead or hung guest: a new QEMU on the same state disk, restored to the snapshot. */
  async restart(): Promise<void> {
    await this.vm?.stop(true);
    this.vm = null;
    const vm = await this.launch();
    this.vm = vm;
    const s = await this.attachSocket(vm);
    await vm.qmp.loadSnapshot(SNAPSHOT);
    this.client = AgentClient.attach({ stdin: s, stdout: s }, this.readyVersion, this.readySettle);
  }

  async stop(): Promise<void> {
    this.socket?.destroy();
    this.socket = null;
    this.client = null;
    await this.vm?.stop(true);
    this.vm = null;
  }
}
