// A throwaway OpenSSH server on 127.0.0.1 for the transport tests: its own host key, one
// authorized client key, no passwords, everything in a temporary directory.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile, chmod, access } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import net from "node:net";
import { execa } from "execa";
import ssh2 from "ssh2";
import { freeTcpPort } from "../../src/vm/host.ts";

export interface TestSshd {
  port: number;
  user: string;
  clientKey: string;
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";

/** Why a local sshd cannot run here, or null. */
export async function sshdUnavailable(): Promise<string | null> {
  try {
    await access(SSHD);
    await execa("ssh-keygen", ["-?"], { reject: false });
  } catch {
    return "OpenSSH server not installed (apt-get install -y openssh-server openssh-client)";
  }
  return null;
}

export async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(tmpdir(), "inconf-sshd-"));
  await chmod(dir, 0o700);
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host_ed25519")]);
  const client = ssh2.utils.generateKeyPairSync("ed25519", { comment: "inconf-test" });
  await writeFile(path.join(dir, "authorized_keys"), client.public + "\n", { mode: 0o600 });
  if (process.getuid?.() === 0) await mkdir("/run/sshd", { recursive: true, mode: 0o755 }); // privsep dir
  const port = await freeTcpPort();
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${path.join(dir, "host_ed25519")}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "StrictModes no",
    "UsePAM no",
  ].join("\n");
  await writeFile(path.join(dir, "sshd_config"), config + "\n");
  const proc: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", path.join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  // Listening: the port accepts (bounded wait).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`sshd exited: ${stderr.trim()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`sshd did not listen within 10 s: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    user: userInfo().username,
    clientKey: client.private,
    async stop() {
      proc.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
