// The FreeBSD backend: runs lowered programs in a real FreeBSD guest under QEMU, through the
// guest agent over SSH, with frames injected and captured host side on the test NICs' netdevs.
// The VM is booted and provisioned once (lazily, on the first program) and every program
// starts from the provisioned snapshot. A VM that dies or hangs is restarted and the program
// retried once; the trace's provenance says so.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import cliProgress from "cli-progress";
import { BackendUnavailableError, type Backend, type ProgramRef } from "../backend.ts";
import { TRACE_FORMAT, type Op, type OpResult, type RawTrace } from "../../harness/ops.ts";
import { AgentError } from "../../vm/agent-client.ts";
import { catalogueEntry, loadCatalogue } from "../../vm/catalogue.ts";
import {
  cachedImage,
  fetchImage,
  FetchError,
  localImage,
  type ImageRecord,
  type Progress,
} from "../../vm/fetch.ts";
import { FreebsdMachine } from "../../vm/freebsd-machine.ts";
import { probeQemu, type QemuHost } from "../../vm/host.ts";
import type { Accel } from "../../vm/qemu-args.ts";
import { executeOps, NetdevFrames, UnsupportedOpError } from "./execute.ts";

export interface FreebsdBackendOptions {
  /** "10.4", "11.0-RELEASE", ...: an image from the catalogue (fetched if not cached). */
  release?: string;
  /** A local image file (qcow2, raw, or .xz of either); wins over release. */
  image?: string;
  variant?: "vm" | "basic-ci";
  /** Base URL replacing the catalogue's mirror. */
  mirror?: string;
  cacheDir?: string;
  /** Download the image when it is not cached (default true). */
  fetch?: boolean;
  /** Download again even when a verified copy is cached. */
  force?: boolean;
  accel?: Accel;
  memoryMb?: number;
  cpus?: number;
  testNics?: number;
  /** Write per-NIC pcaps (QEMU filter-dump) into the work directory. */
  pcap?: boolean;
  /** Keep the work directory (overlay, console log) after close. */
  keepWorkDir?: boolean;
  log?: (line: string) => void;
}

function stderrProgress(): Progress {
  if (!process.stderr.isTTY) {
    return {
      start: (t, l) => process.stderr.write(`downloading ${l} (${t ?? "?"} bytes)\n`),
      update() {},
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: "{label} [{bar}] {percentage}% {value}/{total} bytes" },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, label) => bar.start(total ?? 0, 0, { label }),
    update: (d) => bar.update(d),
    stop: () => bar.stop(),
  };
}

export async function resolveImage(o: FreebsdBackendOptions): Promise<ImageRecord> {
  const image = o.image ?? process.env.INCONF_FREEBSD_IMAGE;
  if (image) return localImage(image, { cacheDir: o.cacheDir });
  if (!o.release) {
    throw new BackendUnavailableError(
      "freebsd",
      "no FreeBSD image: pass --release R (see `inconf vm fetch`) or --image PATH",
    );
  }
  const img = catalogueEntry(loadCatalogue(), o.release, o.variant ?? "vm", o.mirror);
  const cached = o.force ? null : await cachedImage(img, o.cacheDir);
  if (cached) return cached;
  if (o.fetch === false) {
    throw new BackendUnavailableError(
      "freebsd",
      `${img.release} is not in the image cache: run \`inconf vm fetch --release ${img.release}\``,
    );
  }
  try {
    return await fetchImage(img, {
      cacheDir: o.cacheDir,
      progress: stderrProgress(),
      force: o.force ?? false,
    });
  } catch (e) {
    if (e instanceof FetchError) throw new BackendUnavailableError("freebsd", e.message);
    throw e;
  }
}

export function createFreebsdBackend(opts: FreebsdBackendOptions = {}): Backend {
  const log = opts.log ?? ((l: string) => process.stderr.write(`freebsd: ${l}\n`));
  let machine: FreebsdMachine | null = null;
  let starting: Promise<FreebsdMachine> | null = null;
  let host: QemuHost | null = null;
  let image: ImageRecord | null = null;
  let workDir: string | null = null;

  async function start(): Promise<FreebsdMachine> {
    try {
      host = await probeQemu("qemu-system-x86_64", opts.accel);
    } catch (e) {
      throw new BackendUnavailableError("freebsd", (e as Error).message);
    }
    image = await resolveImage(opts);
    workDir = await mkdtemp(path.join(tmpdir(), "inconf-freebsd-"));
    log(
      `image ${image.path} (${image.release}), QEMU ${host.version.join(".")} ${host.accel}, work dir ${workDir}`,
    );
    const m = await FreebsdMachine.create({
      image,
      host,
      workDir,
      ...(opts.testNics !== undefined ? { testNics: opts.testNics } : {}),
      ...(opts.memoryMb !== undefined ? { memoryMb: opts.memoryMb } : {}),
      ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
      pcap: opts.pcap ?? false,
      log,
    });
    log(`ready: booted+provisioned in ${((m.bootMs + m.provisionMs) / 1000).toFixed(1)} s; ${m.uname}`);
    return m;
  }

  async function ensure(): Promise<FreebsdMachine> {
    if (machine) return machine;
    starting ??= start();
    try {
      machine = await starting;
    } catch (e) {
      starting = null;
      throw e;
    }
    return machine;
  }

  async function runOnce(m: FreebsdMachine, ops: readonly Op[], partial: OpResult[]): Promise<OpResult[]> {
    const { ssh, agent } = await m.reset();
    try {
      const ports = new Map(m.testNicNames.map((n, i) => [n, m.qemu.nics[i]] as const));
      return await executeOps(agent, ops, { frames: new NetdevFrames(ports) }, partial);
    } finally {
      await agent.quit().catch(() => undefined);
      ssh.close();
    }
  }

  return {
    name: "freebsd",
    async run(ops: readonly Op[], program: ProgramRef): Promise<RawTrace> {
      const m = await ensure();
      const notes: string[] = [];
      let results: OpResult[] = [];
      for (let attempt = 0; ; attempt++) {
        results = [];
        try {
          await runOnce(m, ops, results);
          break;
        } catch (e) {
          const refused = e instanceof UnsupportedOpError || (e instanceof AgentError && e.refused);
          if (refused) throw new Error(`${program.id}: ${(e as Error).message}`);
          const tail = await m.qemu.consoleTail(15).catch(() => "");
          if (attempt >= 1) {
            throw new Error(
              `${program.id}: failed again after a VM restart (op ${results.length} of ${ops.length}): ` +
                `${(e as Error).message}\nconsole:\n${tail}`,
            );
          }
          const why = `op ${results.length} of ${ops.length}: ${(e as Error).message.split("\n")[0]}`;
          log(`${program.id}: VM died or hung (${why}); restarting it and retrying once`);
          notes.push(`retried once after restarting the VM (${why})`);
          await m.restart();
        }
      }
      const img = image as ImageRecord;
      const h = host as QemuHost;
      return {
        format: TRACE_FORMAT,
        program: program.id,
        backend: "freebsd",
        provenance: {
          release: img.release,
          uname: m.uname,
          imageSha256: img.imageSha256,
          date: new Date().toISOString(),
          notes: [
            `image ${img.file} from ${img.url}` +
              (img.checksum.hex
                ? ` (${img.checksum.algo} ${img.checksum.hex} per ${img.checksum.source})`
                : " (local file)"),
            `QEMU ${h.versionText} (${h.accel})`,
            `agent ${m.agentVersion}`,
            ...notes,
          ].join("; "),
        },
        ops: [...ops],
        results,
      };
    },
    async close(): Promise<void> {
      await machine?.stop();
      machine = null;
      if (workDir && !opts.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}
