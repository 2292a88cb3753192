// The FreeBSD backend: runs lowered programs in a real FreeBSD guest under QEMU, through the
// guest agent over SSH, with frames injected and captured host side on the test NICs' netdevs.
// The VM is booted and provisioned once (lazily, on the first program) and every program
// starts from the provisioned snapshot; reset, retry and provenance notes are vm-backend.ts.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import cliProgress from "cli-progress";
import { BackendUnavailableError, type Backend } from "../backend.ts";
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
import { createVmBackend } from "./vm-backend.ts";

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
  let host: QemuHost | null = null;
  let image: ImageRecord | null = null;
  let workDir: string | null = null;

  return createVmBackend<FreebsdMachine>({
    name: "freebsd",
    log,
    async start(): Promise<FreebsdMachine> {
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
    },
    provenance(m: FreebsdMachine) {
      const img = image as ImageRecord;
      const h = host as QemuHost;
      return {
        release: img.release,
        uname: m.uname,
        imageSha256: img.imageSha256,
        notes: [
          `image ${img.file} from ${img.url}` +
            (img.checksum.hex
              ? ` (${img.checksum.algo} ${img.checksum.hex} per ${img.checksum.source})`
              : " (local file)"),
          `QEMU ${h.versionText} (${h.accel})`,
          `agent ${m.agentVersion}`,
        ].join("; "),
      };
    },
    async onClose(): Promise<void> {
      if (workDir && !opts.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  });
}
