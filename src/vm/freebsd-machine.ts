// One FreeBSD guest prepared for inconf: booted from a qcow2 overlay over the pristine image,
// provisioned on the serial console (SSH key, sshd, quiet test NICs), the agent built by base
// cc, then snapshotted. Each program starts from that snapshot (QMP loadvm) on a fresh SSH
// connection (connections through user-mode networking do not survive a loadvm).

import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ssh2 from "ssh2";
import type { Session } from "../backends/freebsd/vm-backend.ts";
import { AgentClient } from "./agent-client.ts";
import { runScript } from "./expect.ts";
import type { ImageRecord } from "./fetch.ts";
import { createOverlay, type QemuHost } from "./host.ts";
import { freebsdProvisionScript } from "./provision.ts";
import { freebsdTestNicDevices, freebsdTestNicNames } from "./freebsd-nics.ts";
import { QemuVm } from "./qemu.ts";
import { SshSession } from "./ssh.ts";

export const AGENT_SOURCE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../vm/agent/inconf-agent.c",
);
export const AGENT_PATH = "/usr/local/bin/inconf-agent";
export const SNAPSHOT = "inconf-ready";

export interface FreebsdMachineOptions {
  image: ImageRecord;
  host: QemuHost;
  /** Holds the overlay, sockets, console log; kept after a failure for inspection. */
  workDir: string;
  /** vtnet0..N-1 (the management NIC is em0, so test NIC names match the twin's). */
  testNics?: number;
  memoryMb?: number;
  cpus?: number;
  /** Boot-to-login bound; TCG boots of 10.x take minutes. */
  bootTimeoutMs?: number;
  /** Settle time the agent waits for trailing routing messages. */
  agentSettleMs?: number;
  pcap?: boolean;
  log?: (line: string) => void;
}

export class FreebsdMachine {
  private vm: QemuVm | null = null;
  private readonly key: { private: string; public: string };
  uname = "";
  agentVersion = "";
  bootMs = 0;
  provisionMs = 0;

  private constructor(
    private readonly o: Required<Omit<FreebsdMachineOptions, "log">> & Pick<FreebsdMachineOptions, "log">,
  ) {
    const k = ssh2.utils.generateKeyPairSync("ed25519", { comment: "inconf" });
    this.key = { private: k.private, public: k.public };
  }

  static async create(opts: FreebsdMachineOptions): Promise<FreebsdMachine> {
    const m = new FreebsdMachine({
      testNics: 3, // vtnet0..vtnet2: the suites use vtnet1 and vtnet2
      memoryMb: 1024,
      cpus: 2,
      bootTimeoutMs: opts.host.accel === "kvm" ? 300_000 : 1_800_000,
      agentSettleMs: 50,
      pcap: false,
      ...opts,
    });
    await m.bootAndProvision();
    return m;
  }

  get testNicNames(): string[] {
    return freebsdTestNicNames(this.o.testNics);
  }

  get qemu(): QemuVm {
    if (!this.vm) throw new Error("the FreeBSD VM is not running");
    return this.vm;
  }

  private log(s: string): void {
    this.o.log?.(s);
  }

  private launch(): Promise<QemuVm> {
    return QemuVm.launch({
      host: this.o.host,
      boot: { kind: "disk", overlay: path.join(this.o.workDir, "overlay.qcow2") },
      // i440fx: the most conservative chipset for 10.x guests
      machine: "pc",
      cpus: this.o.cpus,
      memoryMb: this.o.memoryMb,
      mgmtModel: "e1000",
      // the loader may print only to the video console until told otherwise: SeaBIOS mirrors it
      pcConsole: true,
      testNics: freebsdTestNicDevices(this.o.testNics),
      workDir: this.o.workDir,
      pcap: this.o.pcap,
    });
  }

  private async bootAndProvision(): Promise<void> {
    const t0 = performance.now();
    await createOverlay(this.o.image.path, this.o.image.format, path.join(this.o.workDir, "overlay.qcow2"));
    this.log(`booting ${this.o.image.file} (${this.o.host.accel}) in ${this.o.workDir}`);
    this.vm = await this.launch();
    await runScript(
      this.vm.console,
      freebsdProvisionScript({
        publicKey: this.key.public,
        testNics: this.testNicNames,
        mgmtNic: "em0",
        mgmtAddr: "10.0.2.15/24",
        mgmtGateway: "10.0.2.2",
        bootTimeoutMs: this.o.bootTimeoutMs,
      }),
      { log: (l) => this.log(`provision: ${l}`) },
    );
    this.bootMs = performance.now() - t0;
    const ssh = await this.connect(120_000);
    try {
      const src = await readFile(AGENT_SOURCE);
      await ssh.run(`mkdir -p /usr/local/bin && cat > /root/inconf-agent.c`, { stdin: src });
      await ssh.run(`cc -O1 -Wall -o ${AGENT_PATH} /root/inconf-agent.c`, { timeoutMs: 600_000 });
      this.uname = (await ssh.run("uname -a")).trim();
      this.log(`guest: ${this.uname}`);
      await ssh.run("sync");
    } finally {
      ssh.close();
    }
    await this.vm.qmp.saveSnapshot(SNAPSHOT);
    this.provisionMs = performance.now() - t0 - this.bootMs;
  }

  private connect(timeoutMs: number): Promise<SshSession> {
    const vm = this.qemu;
    return SshSession.connect(
      { host: "127.0.0.1", port: vm.sshPort, username: "root", privateKey: this.key.private },
      timeoutMs,
      async () => `console:\n${await vm.consoleTail()}`,
    );
  }

  /** The snapshot state, a fresh SSH connection and a running agent; ending the session quits
   * the agent and closes the connection (the next loadvm would break it anyway). */
  async reset(): Promise<Session> {
    const vm = this.qemu;
    if (vm.exited !== null) throw new Error(`QEMU exited: ${vm.exited}`);
    await vm.qmp.loadSnapshot(SNAPSHOT);
    const ssh = await this.connect(60_000);
    try {
      const ch = await ssh.spawn(`${AGENT_PATH} -s ${this.o.agentSettleMs}`);
      const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr }, 30_000);
      if (!this.agentVersion) {
        this.agentVersion = (await agent.request({ kind: "version" })).version ?? agent.version;
      }
      return { agent, end: () => endSshSession(ssh, agent) };
    } catch (e) {
      ssh.close();
      throw e;
    }
  }

  /** A dead or hung VM: a new QEMU on the same overlay, back to the snapshot. */
  async restart(): Promise<void> {
    await this.vm?.stop(true);
    this.vm = await this.launch();
    await this.vm.qmp.loadSnapshot(SNAPSHOT);
  }

  async stop(): Promise<void> {
    await this.vm?.stop(true);
    this.vm = null;
  }
}

/** Quits the agent (bounded: a dead guest does not answer) and closes its SSH connection. */
export async function endSshSession(ssh: SshSession, agent: AgentClient): Promise<void> {
  await agent.quit().catch(() => undefined);
  ssh.close();
}
