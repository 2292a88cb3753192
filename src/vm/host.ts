// What the host offers QEMU: the binary and its version, KVM or not, free ports.

import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import net from "node:net";
import { execa } from "execa";
import { parseQemuVersion, supportsDgramNetdev, type Accel } from "./qemu-args.ts";

export interface QemuHost {
  binary: string;
  version: [number, number];
  versionText: string;
  hasDgramNetdev: boolean;
  accel: Accel;
}

/** /dev/kvm can be opened read-write by us. */
export async function kvmUsable(): Promise<boolean> {
  try {
    await access("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The host is itself a virtual machine (x86's CPUID hypervisor bit, as /proc/cpuinfo shows it):
 * KVM there is nested, and on the nested hosts measured (docs/freebsd-vm.md) SeaBIOS, GRUB and
 * even a Linux boot crawl for minutes under it while TCG boots in seconds. */
export async function nestedVirtualization(cpuinfo = "/proc/cpuinfo"): Promise<boolean> {
  const text = await readFile(cpuinfo, "utf8").catch(() => "");
  return /^flags\s*:.*\bhypervisor\b/m.test(text);
}

/** KVM when /dev/kvm is usable and the host is not itself a VM; TCG otherwise. `--accel` overrides. */
export async function defaultAccel(): Promise<Accel> {
  return (await kvmUsable()) && !(await nestedVirtualization()) ? "kvm" : "tcg";
}

export async function probeQemu(binary = "qemu-system-x86_64", accel?: Accel): Promise<QemuHost> {
  let versionText: string;
  try {
    versionText = (await execa(binary, ["--version"], { timeout: 10_000 })).stdout.split("\n")[0];
  } catch (e) {
    throw new Error(
      `QEMU not found or not runnable ("${binary} --version": ${(e as Error).message.split("\n")[0]}); ` +
        "install it: apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils",
    );
  }
  const version = parseQemuVersion(versionText);
  return {
    binary,
    version,
    versionText,
    hasDgramNetdev: supportsDgramNetdev(version),
    accel: accel ?? (await defaultAccel()),
  };
}

export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** qemu-img create of a qcow2 overlay whose backing file is never written. */
export async function createOverlay(
  base: string,
  baseFormat: "raw" | "qcow2",
  overlay: string,
): Promise<void> {
  await execa("qemu-img", ["create", "-q", "-f", "qcow2", "-F", baseFormat, "-b", base, overlay], {
    timeout: 30_000,
  });
}

export async function createQcow2(path: string, size: string): Promise<void> {
  await execa("qemu-img", ["create", "-q", "-f", "qcow2", path, size], { timeout: 30_000 });
}
