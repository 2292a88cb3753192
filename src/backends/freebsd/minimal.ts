// The FreeBSD backend on a minimal guest built from source (`freebsd:10.4-seedin`,
// `freebsd:10.4`): the ISO is built at first use from vm/freebsd/10.4 and cached, booted once,
// and every program starts from its snapshot. Nothing is downloaded.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BackendUnavailableError, type Backend } from "../backend.ts";
import { probeQemu, type QemuHost } from "../../vm/host.ts";
import {
  buildMinimalGuest,
  type AgentLine,
  type BuiltGuest,
  type MinimalGuest,
} from "../../vm/minimal-guest.ts";
import { MinimalMachine } from "../../vm/minimal-machine.ts";
import type { Accel } from "../../vm/qemu-args.ts";
import { createVmBackend } from "./vm-backend.ts";

export interface MinimalBackendOptions {
  accel?: Accel;
  agentLine?: AgentLine;
  cacheDir?: string;
  memoryMb?: number;
  cpus?: number;
  pcap?: boolean;
  keepWorkDir?: boolean;
  log?: (line: string) => void;
}

/** The git revision of vm/freebsd/ (the artifacts and their recipe), when this is a checkout. */
function recipeRevision(): string {
  try {
    const rev = execFileSync(
      "git",
      ["log", "-1", "--format=%h", "--", "vm/freebsd", "src/vm/minimal-guest.ts"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        // pathspecs are relative to the working directory: run from the repository root
        cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.."),
      },
    ).trim();
    return rev === "" ? "unknown" : rev;
  } catch {
    return "unknown";
  }
}

/** Minimal guests run under TCG unless told otherwise: on nested KVM hosts SeaBIOS and GRUB run
 * in real mode for minutes (docs/freebsd-vm.md), while a TCG boot takes seconds. */
export function createMinimalBackend(guest: MinimalGuest, opts: MinimalBackendOptions = {}): Backend {
  const name = `freebsd:${guest.name}`;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${name}: ${l}\n`));
  let host: QemuHost | null = null;
  let built: BuiltGuest | null = null;
  let workDir: string | null = null;

  return createVmBackend<MinimalMachine>({
    name,
    log,
    async start(): Promise<MinimalMachine> {
      try {
        host = await probeQemu("qemu-system-x86_64", opts.accel ?? "tcg");
        built = await buildMinimalGuest(guest, {
          ...(opts.cacheDir !== undefined && { cacheDir: opts.cacheDir }),
          ...(opts.agentLine !== undefined && { agentLine: opts.agentLine }),
          log,
        });
      } catch (e) {
        // no QEMU, no clang/grub, a missing artifact: nothing this run can do about it
        throw new BackendUnavailableError(name, (e as Error).message);
      }
      workDir = await mkdtemp(path.join(tmpdir(), `inconf-${guest.name}-`));
      const m = await MinimalMachine.create({
        built,
        host,
        workDir,
        ...(opts.memoryMb !== undefined && { memoryMb: opts.memoryMb }),
        ...(opts.cpus !== undefined && { cpus: opts.cpus }),
        pcap: opts.pcap ?? false,
        log,
      });
      log(`ready in ${(m.bootMs / 1000).toFixed(1)} s (snapshot ${Math.round(m.snapshotMs)} ms); ${m.uname}`);
      return m;
    },
    provenance(m: MinimalMachine) {
      const b = built as BuiltGuest;
      const h = host as QemuHost;
      return {
        release: guest.release,
        uname: m.uname,
        kernelSha256: b.kernelSha256,
        recipe: `vm/freebsd/10.4 at ${recipeRevision()}, ${guest.kernel} + ${guest.carp}, build key ${b.buildKey.slice(0, 16)}`,
        accel: h.accel,
        notes: [
          guest.description,
          `agent ${m.agentVersion.split(" ")[0]} sha256 ${b.agentSha256} (${b.compiler}), line ${b.agentLine}`,
          `QEMU ${h.versionText}`,
        ].join("; "),
      };
    },
    async onClose(): Promise<void> {
      if (workDir && !opts.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  });
}
