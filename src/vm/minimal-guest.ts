// The minimal FreeBSD guests built from source (vm/freebsd/10.4/): a kernel, a static init and
// the agent on a GRUB ISO, no userland besides. This module names them and builds their ISO at
// first use into a cache keyed by the hashes of every input, so a second run (and every test
// after the first) reuses it.

import { createHash } from "node:crypto";
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile, copyFile, cp } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { patchRelocator } from "./grub-relocator.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS_DIR = path.join(ROOT, "vm/freebsd/10.4");
export const AGENT_SOURCE = path.join(ROOT, "vm/agent/inconf-agent.c");
/** Bumped when the ISO layout or the build commands change, so old cache entries are not reused. */
const BUILDER_VERSION = "inconf-minimal-guest/1";
const GRUB_DIR = "/usr/lib/grub/i386-pc";

export interface MinimalGuest {
  /** The backend suffix: `freebsd:<name>`. */
  name: string;
  /** Reference folder and provenance release: reference/<release>/. */
  release: string;
  /** Kernel file in ARTIFACTS_DIR (gzip). */
  kernel: string;
  /** carp(4) built against that kernel, loaded by Programs that declare the module. */
  carp: string;
  description: string;
}

export const MINIMAL_GUESTS: readonly MinimalGuest[] = [
  {
    name: "10.4-seedin",
    release: "10.4-seedin",
    kernel: "kernel-seedin.gz",
    carp: "carp-seedin.ko",
    description: "FreeBSD 10.4-RELEASE with the seed's sys/netinet/in.c (what the twin models)",
  },
  {
    name: "10.4",
    release: "10.4-RELEASE",
    kernel: "kernel.gz",
    carp: "carp.ko",
    description: "stock FreeBSD 10.4-RELEASE, built from source",
  },
];

export function minimalGuest(name: string): MinimalGuest | undefined {
  return MINIMAL_GUESTS.find((g) => g.name === name);
}

export class GuestBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GuestBuildError";
  }
}

export type AgentLine = "virtio" | "serial";

/** The agent's device in the guest for each line (init opens it, kernel env inconf.tty). */
const AGENT_TTY: Record<AgentLine, string> = { virtio: "/dev/ttyV0.1", serial: "/dev/cuau1" };

export interface BuiltGuest {
  guest: MinimalGuest;
  iso: string;
  agentLine: AgentLine;
  kernelSha256: string;
  agentSha256: string;
  /** sha256 over every input of the build (the cache key). */
  buildKey: string;
  /** The compiler that built agent and init (`clang --version`, first line). */
  compiler: string;
}

function sha256(b: Uint8Array | string): string {
  return createHash("sha256").update(b).digest("hex");
}

async function need(tool: string, pkg: string): Promise<string> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, tool);
    if (
      await access(p).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  throw new GuestBuildError(
    `${tool} not found: the minimal FreeBSD guest is built with it; apt-get install -y --no-install-recommends ${pkg}`,
  );
}

async function clangBinary(): Promise<string> {
  for (const c of ["clang", "clang-14"]) {
    const found = await need(c, "clang lld").catch(() => null);
    if (found) return found;
  }
  return need("clang", "clang lld");
}

/** grub.cfg: boot the kernel from the ISO with root on it, consoles on serial. */
export function grubConfig(tty: string): string {
  const kenv = [
    "vfs.root.mountfrom=cd9660:/dev/cd0",
    "boot_serial=YES",
    "comconsole_speed=115200",
    `inconf.tty=${tty}`,
    "inconf.lo0=inet",
    "inconf.inet6=ifdisabled",
  ];
  return [
    "set timeout=0",
    "serial --unit=0 --speed=115200",
    "terminal_input serial",
    "terminal_output serial",
    'menuentry "inconf FreeBSD 10.4 minimal guest" {',
    "  kfreebsd /boot/kernel/kernel.gz -h",
    ...kenv.map((kv) => `  set kFreeBSD.${kv}`),
    "}",
    "",
  ].join("\n");
}

async function readArtifact(file: string): Promise<Buffer> {
  try {
    return await readFile(path.join(ARTIFACTS_DIR, file));
  } catch (e) {
    throw new GuestBuildError(`missing artifact ${path.join(ARTIFACTS_DIR, file)}: ${(e as Error).message}`);
  }
}

async function compile(clang: string, sysroot: string, src: string, out: string, opt: string): Promise<void> {
  const args = [
    "--target=x86_64-unknown-freebsd10.4",
    `--sysroot=${sysroot}`,
    "-static",
    "-fuse-ld=lld",
    opt,
    "-Wall",
    "-Werror",
    "-o",
    out,
    src,
  ];
  const r = await execa(clang, args, { reject: false, all: true, timeout: 120_000 });
  if (r.exitCode !== 0) {
    throw new GuestBuildError(`${path.basename(src)} did not compile for FreeBSD 10.4:\n${r.all ?? ""}`);
  }
}

/** Extracts the sysroot once per tarball hash. */
async function sysrootDir(cacheDir: string, tarball: Buffer): Promise<string> {
  const dir = path.join(cacheDir, "sysroot", sha256(tarball).slice(0, 16));
  if (
    await access(path.join(dir, "usr/lib/libc.a")).then(
      () => true,
      () => false,
    )
  )
    return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await execa("tar", ["-xJf", path.join(ARTIFACTS_DIR, "sysroot.tar.xz"), "-C", tmp], { timeout: 120_000 });
  await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
    // another process finished first: use its copy
    await rm(tmp, { recursive: true, force: true });
    if (e.code !== "ENOTEMPTY" && e.code !== "EEXIST") throw e;
  });
  return dir;
}

/** $XDG_CACHE_HOME/inconf/guests (beside the official images' cache). */
export function guestCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "inconf", "guests");
}

export interface BuildOptions {
  cacheDir?: string;
  agentLine?: AgentLine;
  log?: (line: string) => void;
}

/** The guest's ISO, from the cache or built now (a few seconds). */
export async function buildMinimalGuest(guest: MinimalGuest, o: BuildOptions = {}): Promise<BuiltGuest> {
  const cacheDir = o.cacheDir ?? guestCacheDir();
  const agentLine = o.agentLine ?? "virtio";
  const clang = await clangBinary();
  await need("ld.lld", "lld");
  const mkrescue = await need("grub-mkrescue", "grub-pc-bin grub-common xorriso mtools");
  await need("xorriso", "xorriso");
  await need("mformat", "mtools");
  const relocatorPath = path.join(GRUB_DIR, "relocator.mod");
  const relocator = await readFile(relocatorPath).catch(() => {
    throw new GuestBuildError(
      `${relocatorPath} not found: apt-get install -y --no-install-recommends grub-pc-bin grub-common`,
    );
  });
  const [kernel, carp, initSrc, agentSrc, sysrootTar] = await Promise.all([
    readArtifact(guest.kernel),
    readArtifact(guest.carp),
    readArtifact("init.c"),
    readFile(AGENT_SOURCE),
    readArtifact("sysroot.tar.xz"),
  ]);
  const compiler = (await execa(clang, ["--version"])).stdout.split("\n")[0];
  const cfg = grubConfig(AGENT_TTY[agentLine]);
  const key = sha256(
    [
      BUILDER_VERSION,
      compiler,
      sha256(kernel),
      sha256(carp),
      sha256(initSrc),
      sha256(agentSrc),
      sha256(sysrootTar),
      sha256(relocator),
      sha256(cfg),
    ].join("\n"),
  );
  const dir = path.join(cacheDir, `${guest.name}-${key.slice(0, 16)}`);
  const iso = path.join(dir, "guest.iso");
  const built = (agentSha256: string): BuiltGuest => ({
    guest,
    iso,
    agentLine,
    kernelSha256: sha256(kernel),
    agentSha256,
    buildKey: key,
    compiler,
  });
  const meta = await readFile(path.join(dir, "build.json"), "utf8").catch(() => null);
  if (meta !== null) {
    const m = JSON.parse(meta) as { agentSha256?: unknown };
    if (typeof m.agentSha256 === "string") return built(m.agentSha256);
  }

  o.log?.(`building the ${guest.name} guest ISO into ${dir}`);
  const sysroot = await sysrootDir(cacheDir, sysrootTar);
  const work = await mkdtemp(path.join(tmpdir(), "inconf-guest-"));
  try {
    const tree = path.join(work, "tree");
    for (const d of ["boot/kernel", "boot/grub", "sbin", "dev", "tmp"]) {
      await mkdir(path.join(tree, d), { recursive: true });
    }
    await writeFile(path.join(work, "init.c"), initSrc);
    await compile(clang, sysroot, AGENT_SOURCE, path.join(tree, "inconf-agent"), "-O1");
    await compile(clang, sysroot, path.join(work, "init.c"), path.join(tree, "sbin/init"), "-O2");
    await writeFile(path.join(tree, "boot/kernel/kernel.gz"), kernel);
    // `kldload carp` looks for /boot/kernel/carp.ko (kern.module_path, no linker.hints)
    await writeFile(path.join(tree, "boot/kernel/carp.ko"), carp);
    await writeFile(path.join(tree, "boot/grub/grub.cfg"), cfg);
    const grub = path.join(work, "grub");
    await cp(GRUB_DIR, grub, { recursive: true });
    await writeFile(path.join(grub, "relocator.mod"), patchRelocator(relocator));
    const out = path.join(work, "guest.iso");
    const r = await execa(mkrescue, ["-d", grub, "-o", out, tree, "--", "-volid", "INCONF104"], {
      reject: false,
      all: true,
      timeout: 120_000,
    });
    if (r.exitCode !== 0) throw new GuestBuildError(`grub-mkrescue failed:\n${r.all ?? ""}`);
    const agentSha256 = sha256(await readFile(path.join(tree, "inconf-agent")));
    await mkdir(dir, { recursive: true });
    await copyFile(out, `${iso}.tmp`);
    await rename(`${iso}.tmp`, iso);
    await writeFile(
      path.join(dir, "build.json"),
      JSON.stringify({ builder: BUILDER_VERSION, guest: guest.name, key, compiler, agentSha256 }, null, 2) +
        "\n",
    );
    return built(agentSha256);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
