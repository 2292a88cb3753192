// `inconf vm ...` and `inconf record`: the FreeBSD VM's own commands. main.ts registers them with
// registerVmCommands(program, setCode).
//   inconf vm list                         the image catalogue and what is cached
//   inconf vm fetch --release 11.0         download, verify (published SHA512/SHA256), decompress
//   inconf vm check --release 11.0         boot, provision, build the agent, report, stop
//   inconf record --release 11.0 [ids...]  run scenarios on FreeBSD, write reference/<R>/<id>.trace.json
//   inconf record --backend freebsd:10.4-seedin   the same on a minimal guest built from source

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { BackendUnavailableError, KernelPanicTraceError, type Backend } from "../backends/backend.ts";
import { createFreebsdBackend, resolveImage, type FreebsdBackendOptions } from "../backends/freebsd/index.ts";
import { traceFile } from "../backends/replay.ts";
import { lowerProgram } from "../harness/lower.ts";
import { catalogueEntry, loadCatalogue, normalizeRelease } from "../vm/catalogue.ts";
import { cachedImage, defaultCacheDir, FetchError } from "../vm/fetch.ts";
import { MINIMAL_GUESTS, minimalGuest } from "../vm/minimal-guest.ts";
import { CliError, EXIT, type ExitCode } from "./exit.ts";

interface ImageOptions {
  release?: string;
  image?: string;
  variant?: "vm" | "basic-ci";
  mirror?: string;
  cacheDir?: string;
  accel?: "kvm" | "tcg";
  memory?: string;
  keep?: boolean;
  pcap?: boolean;
  force?: boolean;
}

function imageOptions(cmd: Command): Command {
  return cmd
    .option("--release <release>", "FreeBSD release from the catalogue, e.g. 10.4, 11.0, 14.3")
    .option("--image <path>", "a local FreeBSD image (qcow2, raw, or .xz of either) instead of --release")
    .option("--variant <variant>", "vm (VM-IMAGES) or basic-ci (CI-IMAGES, 14.x)", "vm")
    .option("--mirror <url>", "base URL replacing the catalogue's mirror")
    .option("--cache-dir <dir>", `image cache (default ${defaultCacheDir()})`)
    .option(
      "--accel <accel>",
      "kvm or tcg (default: kvm when /dev/kvm is usable and the host is not itself a VM)",
    )
    .option("--memory <mb>", "guest memory in MB", "1024")
    .option("--keep", "keep the VM work directory (overlay, console log) afterwards")
    .option("--pcap", "write one pcap per test NIC into the work directory");
}

function backendOptions(o: ImageOptions): FreebsdBackendOptions {
  if (!o.release && !o.image) throw new CliError(EXIT.usage, "pass --release R (e.g. 11.0) or --image PATH");
  if (o.variant !== "vm" && o.variant !== "basic-ci")
    throw new CliError(EXIT.usage, "--variant is vm or basic-ci");
  if (o.accel !== undefined && o.accel !== "kvm" && o.accel !== "tcg")
    throw new CliError(EXIT.usage, "--accel is kvm or tcg");
  const memoryMb = Number(o.memory ?? "1024");
  if (!Number.isInteger(memoryMb) || memoryMb < 256)
    throw new CliError(EXIT.usage, "--memory must be at least 256 (MB)");
  return {
    ...(o.release ? { release: o.release } : {}),
    ...(o.image ? { image: o.image } : {}),
    variant: o.variant,
    ...(o.mirror ? { mirror: o.mirror } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.accel ? { accel: o.accel } : {}),
    memoryMb,
    keepWorkDir: o.keep ?? false,
    pcap: o.pcap ?? false,
    force: o.force ?? false,
  };
}

async function fetchCommand(o: ImageOptions): Promise<ExitCode> {
  if (!o.release) throw new CliError(EXIT.usage, "vm fetch needs --release R (e.g. 10.4, 11.0, 14.3)");
  try {
    const rec = await resolveImage(backendOptions(o));
    process.stdout.write(
      `${rec.release} ${rec.variant}: ${rec.path}\n  from ${rec.url}\n  ${rec.checksum.algo} ${rec.checksum.hex} (${rec.checksum.source})\n  image sha256 ${rec.imageSha256}\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof BackendUnavailableError || e instanceof FetchError)
      throw new CliError(EXIT.unavailable, e.message);
    throw e;
  }
}

async function listCommand(o: { cacheDir?: string }): Promise<ExitCode> {
  const cat = loadCatalogue();
  for (const r of cat.releases) {
    for (const i of r.images) {
      const img = catalogueEntry(cat, r.release, i.variant);
      const cached = await cachedImage(img, o.cacheDir);
      process.stdout.write(
        `${r.release.padEnd(14)} ${i.variant.padEnd(9)} ${i.format.padEnd(6)} ${cached ? `cached: ${cached.path}` : "not cached"}\n` +
          `${"".padEnd(14)} ${img.baseUrl}${i.files[0]}\n${"".padEnd(14)} ${r.why}\n`,
      );
    }
  }
  return EXIT.ok;
}

async function checkCommand(o: ImageOptions): Promise<ExitCode> {
  const backend = createFreebsdBackend(backendOptions(o));
  try {
    // A program of no ops boots, provisions, snapshots, restores and starts the agent once.
    const t = performance.now();
    const trace = await backend.run([{ op: "checkpoint", label: "check" }], {
      id: "vm-check",
      title: "vm check",
    });
    const d = trace.results[0].dumps;
    process.stdout.write(
      `ok in ${((performance.now() - t) / 1000).toFixed(1)} s\n  ${trace.provenance.uname}\n  ${trace.provenance.notes ?? ""}\n` +
        `  checkpoint: routes ${(d?.routes.length ?? 0) / 2} bytes, arp ${(d?.arp.length ?? 0) / 2}, iflist ${(d?.iflist.length ?? 0) / 2}, ifmalist ${(d?.ifmalist.length ?? 0) / 2}\n`,
    );
    return EXIT.ok;
  } finally {
    await backend.close();
  }
}

/** `--backend freebsd:<guest>`: a minimal guest built from source; nothing else records. */
async function recordBackend(o: ImageOptions & { backend?: string }): Promise<Backend> {
  if (o.backend === undefined) return createFreebsdBackend(backendOptions(o));
  const m = /^freebsd:(.+)$/.exec(o.backend);
  const guest = m ? minimalGuest(m[1]) : undefined;
  if (!guest) {
    throw new CliError(
      EXIT.usage,
      `record --backend takes a minimal guest (${MINIMAL_GUESTS.map((g) => `freebsd:${g.name}`).join(", ")}); official images: --release R or --image PATH`,
    );
  }
  if (o.release !== undefined || o.image !== undefined)
    throw new CliError(EXIT.usage, "record: --backend and --release/--image are alternatives");
  const { createMinimalBackend } = await import("../backends/freebsd/minimal.ts");
  return createMinimalBackend(guest, { ...(o.accel !== undefined && { accel: o.accel }) });
}

async function recordCommand(
  targets: string[],
  o: ImageOptions & { filter?: string; out: string; backend?: string },
): Promise<ExitCode> {
  const { selectPrograms } = await import("./select.ts");
  const programs = await selectPrograms(targets, o.filter);
  const backend = await recordBackend(o);
  let failed = 0;
  try {
    for (const [i, p] of programs.entries()) {
      const ops = lowerProgram(p).ops;
      try {
        // A kernel that panics on the program is a result to keep: the ops up to the panic.
        const trace = await backend.run(ops, { id: p.id, title: p.title }).catch((e: unknown) => {
          if (e instanceof KernelPanicTraceError) return e.partial;
          throw e;
        });
        const release = o.release ? normalizeRelease(o.release) : trace.provenance.release;
        const file = traceFile(o.out, release, p.id);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, JSON.stringify(trace, null, 2) + "\n");
        process.stderr.write(`[${i + 1}/${programs.length}] ${p.id}: ${file}\n`);
      } catch (e) {
        if (e instanceof BackendUnavailableError) throw e;
        failed++;
        process.stderr.write(
          `[${i + 1}/${programs.length}] ${p.id}: NOT RECORDED: ${(e as Error).message}\n`,
        );
      }
    }
  } finally {
    await backend.close();
  }
  return failed > 0 ? EXIT.failures : EXIT.ok;
}

/** Adds `vm list|fetch|check` and `record`. */
export function registerVmCommands(program: Command, setCode: (c: ExitCode) => void = () => undefined): void {
  const vm = program.command("vm").description("FreeBSD VM images and guests (QEMU)");
  vm.command("list")
    .description("the image catalogue (vm/images.json) and which images are cached")
    .option("--cache-dir <dir>", "image cache")
    .action(async (o: { cacheDir?: string }) => setCode(await listCommand(o)));
  imageOptions(
    vm.command("fetch").description("download, verify and decompress an official image into the cache"),
  )
    .option("--force", "download again even if cached")
    .action(async (o: ImageOptions) => setCode(await fetchCommand(o)));
  imageOptions(
    vm.command("check").description("boot and provision a guest, build the agent, take one checkpoint, stop"),
  ).action(async (o: ImageOptions) => setCode(await checkCommand(o)));
  imageOptions(
    program
      .command("record")
      .description("run scenarios on a real FreeBSD VM and write reference traces with provenance")
      .argument("[targets...]", "program files, folders, suite modules or scenario ids/patterns"),
  )
    .option("--filter <pattern>", "only scenarios whose id matches")
    .option("--backend <spec>", "a minimal guest built from source: freebsd:10.4-seedin or freebsd:10.4")
    .option("--out <dir>", "reference root: traces go to <dir>/<release>/<id>.trace.json", "reference")
    .action(async (targets: string[], o: ImageOptions & { filter?: string; out: string; backend?: string }) =>
      setCode(await recordCommand(targets, o)),
    );
}
