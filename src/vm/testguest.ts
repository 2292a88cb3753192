// The Linux test guest built by vm/testguest/build.sh: a stand-in for FreeBSD where no FreeBSD
// image exists, used by inconf's own tests and bench to exercise QEMU, QMP snapshots, the
// serial console, SSH and test-NIC frame I/O for real.

import { readFile, access } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { QemuVm } from "./qemu.ts";
import { SshSession } from "./ssh.ts";
import { AgentClient } from "./agent-client.ts";
import type { Session } from "../backends/freebsd/vm-backend.ts";
import { endSshSession } from "./freebsd-machine.ts";
import type { QemuHost } from "./host.ts";

const GuestJson = z.object({
  kernel: z.string(),
  initramfs: z.string(),
  append: z.string(),
  sshKey: z.string(),
  kernelPackage: z.string(),
  test: z.object({ ifname: z.string(), ip: z.string(), prefix: z.number() }),
});
export type TestGuestInfo = z.infer<typeof GuestJson> & { dir: string };

export const TESTGUEST_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../vm/build/testguest",
);

/** The built guest, or a reason why it is not there (for test skips). */
export async function findTestGuest(dir = TESTGUEST_DIR): Promise<TestGuestInfo | string> {
  const file = path.join(dir, "guest.json");
  try {
    await access(file);
  } catch {
    return `test guest not built (${file} missing): run vm/testguest/build.sh`;
  }
  const info = GuestJson.parse(JSON.parse(await readFile(file, "utf8")));
  return { ...info, dir };
}

export const TESTGUEST_MAC = "52:54:00:12:34:02";

export async function launchTestGuest(
  host: QemuHost,
  guest: TestGuestInfo,
  opts: { pcap?: boolean; memoryMb?: number; workDir?: string } = {},
): Promise<QemuVm> {
  return QemuVm.launch({
    host,
    boot: {
      kind: "kernel",
      kernel: path.join(guest.dir, guest.kernel),
      initrd: path.join(guest.dir, guest.initramfs),
      append: guest.append,
    },
    memoryMb: opts.memoryMb ?? 192,
    mgmtModel: "virtio-net-pci",
    testNics: [{ model: "virtio-net-pci", mac: TESTGUEST_MAC }],
    pcap: opts.pcap ?? false,
    ...(opts.workDir !== undefined ? { workDir: opts.workDir } : {}),
  });
}

export async function sshTestGuest(vm: QemuVm, guest: TestGuestInfo, timeoutMs: number): Promise<SshSession> {
  const key = await readFile(path.join(guest.dir, guest.sshKey));
  return SshSession.connect(
    { host: "127.0.0.1", port: vm.sshPort, username: "root", privateKey: key },
    timeoutMs,
    async () => `console:\n${await vm.consoleTail()}`,
  );
}

/**
 * The test guest as a GuestMachine (src/backends/freebsd/vm-backend.ts): booted once, an agent
 * binary uploaded to /tmp (the C agent's Linux lint build), snapshotted; reset = loadvm + fresh
 * SSH + agent. Lets the VM backend's reset and restart-and-retry logic run for real here.
 */
export class TestGuestMachine {
  private vm: QemuVm | null = null;
  readonly testNicNames = ["eth1"] as const;
  /** Called with the QEMU of each fresh reset (tests use it to crash the VM mid-program). */
  onReset: ((vm: QemuVm) => void) | null = null;

  private constructor(
    private readonly host: QemuHost,
    private readonly guest: TestGuestInfo,
    private readonly workDir: string,
  ) {}

  static async create(
    host: QemuHost,
    guest: TestGuestInfo,
    workDir: string,
    agentBinary: string,
  ): Promise<TestGuestMachine> {
    const m = new TestGuestMachine(host, guest, workDir);
    m.vm = await launchTestGuest(host, guest, { workDir });
    const ssh = await sshTestGuest(m.vm, guest, 120_000);
    try {
      await ssh.run("cat > /tmp/inconf-agent && chmod 755 /tmp/inconf-agent", {
        stdin: await readFile(agentBinary),
      });
    } finally {
      ssh.close();
    }
    await m.vm.qmp.saveSnapshot("inconf-ready");
    return m;
  }

  get qemu(): QemuVm {
    if (!this.vm) throw new Error("the test guest is not running");
    return this.vm;
  }

  async reset(): Promise<Session> {
    const vm = this.qemu;
    if (vm.exited !== null) throw new Error(`QEMU exited: ${vm.exited}`);
    await vm.qmp.loadSnapshot("inconf-ready");
    const ssh = await sshTestGuest(vm, this.guest, 30_000);
    try {
      const ch = await ssh.spawn("/tmp/inconf-agent -s 20");
      const agent = await AgentClient.start({ stdin: ch, stdout: ch, stderr: ch.stderr }, 30_000);
      this.onReset?.(vm);
      return { agent, end: () => endSshSession(ssh, agent) };
    } catch (e) {
      ssh.close();
      throw e;
    }
  }

  async restart(): Promise<void> {
    await this.vm?.stop(true);
    this.vm = await launchTestGuest(this.host, this.guest, { workDir: this.workDir });
    await this.vm.qmp.loadSnapshot("inconf-ready");
  }

  async stop(): Promise<void> {
    await this.vm?.stop(true);
    this.vm = null;
  }
}
