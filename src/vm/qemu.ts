// Starts one QEMU guest and gives its handles: QMP, the serial console, the SSH port on
// 127.0.0.1, and the host end of each test NIC. Stopping is QMP quit, then SIGKILL.

import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { SerialConsole, consoleTail } from "./console.ts";
import { NetdevPort, freeUdpPort } from "./netdev.ts";
import { QmpClient } from "./qmp.ts";
import { buildQemuArgs, type BootSpec, type MachineSpec } from "./qemu-args.ts";
import { createQcow2, freeTcpPort, type QemuHost } from "./host.ts";

export type LaunchBoot =
  | { kind: "disk"; overlay: string }
  | { kind: "kernel"; kernel: string; initrd: string; append: string }
  | { kind: "cdrom"; iso: string };

export interface LaunchOptions {
  host: QemuHost;
  boot: LaunchBoot;
  machine?: string;
  cpus?: number;
  memoryMb?: number;
  /** e1000 for FreeBSD (em0, leaving vtnet0.. to the tests); virtio-net-pci for the Linux guest. */
  mgmtModel: string;
  testNics: { model: string; mac: string }[];
  /** VGA + sgabios: BIOS-level console output mirrored on serial (see MachineSpec.pcConsole). */
  pcConsole?: boolean;
  /** Directory for sockets, logs and pcaps; a fresh temporary one by default (removed on stop). */
  workDir?: string;
  /** Write one pcap per test NIC into workDir (QEMU filter-dump). */
  pcap?: boolean;
  /** No SSH forwarding on the management NIC (guests reached through `agentLine` instead). */
  noSsh?: boolean;
  /** The agent on a chardev unix socket in workDir (`agent.sock`). */
  agentLine?: "virtio" | "serial";
}

export class QemuVm {
  private exitInfo: string | null = null;
  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
    readonly spec: MachineSpec,
    private readonly proc: ResultPromise,
    readonly qmp: QmpClient,
    readonly console: SerialConsole,
    readonly nics: NetdevPort[],
  ) {
    proc.then(
      (r) => (this.exitInfo = `exit code ${r.exitCode}`),
      (e: { exitCode?: number; signal?: string; stderr?: string }) =>
        (this.exitInfo = `${e.signal ?? `exit code ${e.exitCode}`}: ${String(e.stderr ?? "").trim()}`),
    );
  }

  get sshPort(): number {
    if (this.spec.mgmt.sshPort === null) throw new Error("this guest has no SSH port");
    return this.spec.mgmt.sshPort;
  }
  /** The agent's chardev socket (guests launched with `agentLine`). */
  get agentSocket(): string {
    if (!this.spec.agentChannel) throw new Error("this guest has no agent line");
    return this.spec.agentChannel.socket;
  }
  get consoleLog(): string {
    return this.spec.consoleLog;
  }
  /** null while QEMU runs; how it ended otherwise. */
  get exited(): string | null {
    return this.exitInfo;
  }

  static async launch(opts: LaunchOptions): Promise<QemuVm> {
    const ownsDir = opts.workDir === undefined;
    const dir = opts.workDir ?? (await mkdtemp(path.join(tmpdir(), "inconf-vm-")));
    await mkdir(dir, { recursive: true });
    const nics: NetdevPort[] = [];
    try {
      let boot: BootSpec;
      if (opts.boot.kind === "disk") {
        boot = opts.boot;
      } else {
        const stateDisk = path.join(dir, "vmstate.qcow2");
        // kept across restarts in the same work dir: it holds the snapshots
        if (!(await stat(stateDisk).catch(() => null))) await createQcow2(stateDisk, "256M");
        boot = { ...opts.boot, stateDisk };
      }
      for (let i = 0; i < opts.testNics.length; i++) {
        const p = await NetdevPort.open();
        p.qemuPort = await freeUdpPort();
        nics.push(p);
      }
      const spec: MachineSpec = {
        qemu: opts.host.binary,
        accel: opts.host.accel,
        hasDgramNetdev: opts.host.hasDgramNetdev,
        machine: opts.machine ?? "q35",
        cpus: opts.cpus ?? 1,
        memoryMb: opts.memoryMb ?? 512,
        boot,
        consoleSocket: path.join(dir, "console.sock"),
        consoleLog: path.join(dir, "console.log"),
        qmpSocket: path.join(dir, "qmp.sock"),
        mgmt: {
          model: opts.mgmtModel,
          sshPort: opts.noSsh ? null : await freeTcpPort(),
          mac: "52:54:00:00:00:01",
        },
        ...(opts.agentLine
          ? { agentChannel: { socket: path.join(dir, "agent.sock"), line: opts.agentLine } }
          : {}),
        ...(opts.pcConsole ? { pcConsole: true } : {}),
        testNics: opts.testNics.map((n, i) => ({
          model: n.model,
          mac: n.mac,
          qemuPort: nics[i].qemuPort,
          hostPort: nics[i].hostPort,
          ...(opts.pcap ? { pcap: path.join(dir, `nic${i}.pcap`) } : {}),
        })),
      };
      const proc = execa(spec.qemu, buildQemuArgs(spec), {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
        reject: true,
        cleanup: true,
      });
      let earlyExit: string | null = null;
      proc.catch((e: { stderr?: string; exitCode?: number }) => {
        earlyExit = `QEMU exited (code ${e.exitCode}): ${String(e.stderr ?? "").trim()}`;
      });
      let qmp: QmpClient;
      let console: SerialConsole;
      try {
        [qmp, console] = await Promise.all([
          QmpClient.connect(spec.qmpSocket, 15_000),
          SerialConsole.connect(spec.consoleSocket, 15_000),
        ]);
      } catch (e) {
        await new Promise((r) => setTimeout(r, 100));
        proc.kill("SIGKILL");
        throw new Error(earlyExit ?? `QEMU did not come up: ${(e as Error).message}`);
      }
      return new QemuVm(dir, ownsDir, spec, proc, qmp, console, nics);
    } catch (e) {
      for (const n of nics) n.close();
      if (ownsDir) await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Last lines of the serial console, for error messages. */
  async consoleTail(lines = 20): Promise<string> {
    const text = this.console.text || (await readFile(this.consoleLog, "latin1").catch(() => ""));
    return consoleTail(text, lines);
  }

  /** How QEMU ended, waiting up to `ms` for it; null if it is still running. */
  async waitExit(ms: number): Promise<string | null> {
    await Promise.race([
      this.proc.then(
        () => undefined,
        () => undefined,
      ),
      new Promise((r) => setTimeout(r, ms)),
    ]);
    await new Promise((r) => setImmediate(r)); // let the exit handlers record it
    return this.exitInfo;
  }

  /** SIGKILL, as a crash would (tests of the restart path). */
  kill(): void {
    this.proc.kill("SIGKILL");
  }

  async stop(keepDir = false): Promise<void> {
    if (this.exitInfo === null) {
      await Promise.race([this.qmp.quit(), new Promise((r) => setTimeout(r, 3000))]);
      const ended = await Promise.race([
        this.proc.then(
          () => true,
          () => true,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 3000)),
      ]);
      if (!ended) this.proc.kill("SIGKILL");
      await this.proc.catch(() => undefined);
    }
    this.qmp.close();
    this.console.close();
    for (const n of this.nics) n.close();
    if (this.ownsDir && !keepDir) await rm(this.dir, { recursive: true, force: true });
  }
}
