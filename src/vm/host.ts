// What the host offers QEMU: the binary and its version, KVM or not, free ports.

import { constants } from "node:fs";
import { access } from "node:fs/promises";
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

/** KVM when /dev/kvm can be opened read-write by us; TCG otherwise (slow but works anywhere). */
export async function kvmUsable(): Promise<boolean> {
  try {
    await access("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
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
    accel: accel ?? ((await kvmUsable()) ? "kvm" : "tcg"),
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
