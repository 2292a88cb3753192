// The Linux test guest built by vm/testguest/build.sh: a stand-in for FreeBSD where no FreeBSD
// image exists, used by inconf's own tests and bench to exercise QEMU, QMP snapshots, the
// serial console, SSH and test-NIC frame I/O for real.

import { readFile, access } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { QemuVm } from "./qemu.ts";
import { SshSession } from "./ssh.ts";
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
  opts: { pcap?: boolean; memoryMb?: number } = {},
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
