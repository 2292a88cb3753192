#!/usr/bin/env node
// Entry point for the `inconf` command. A fresh clone needs no build step: tsx loads the
// TypeScript. Loading some 140 modules one by one through tsx's loader costs about a second of CPU
// per command, more than running every scenario on the twin, so the CLI is also bundled into
// one file with esbuild (tsx's own dependency) under node_modules/.cache/inconf/ and rebuilt
// whenever a source file it was built from changes. Any trouble with the bundle falls back to
// loading the sources through tsx. INCONF_NO_BUNDLE=1 always loads the sources.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

// tsx's loader hooks slow every import, bundled or not, so they are registered only when tsx
// is needed: for the sources, or for suite modules given as targets (`inconf run suites/x.ts`,
// the only TypeScript the bundle imports by a computed path; src/cli/select.ts).
let tsx = null;
async function useTsx() {
  tsx ??= import("tsx/esm/api").then((m) => m.register());
  await tsx;
}
if (process.argv.slice(2).some((a) => a.endsWith(".ts"))) await useTsx();

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "src", "cli", "main.ts");
const cacheDir = join(root, "node_modules", ".cache", "inconf");
// { bundle, inputs }: which bundle file was built from which sources (path → signature).
const manifest = join(cacheDir, "cli.json");

/** "mtime size" of a file, or null when it is gone. */
async function signature(file) {
  const s = await stat(file).catch(() => null);
  return s === null ? null : `${s.mtimeMs} ${s.size}`;
}

/** The bundle built from the sources as they are now, if there is one. */
async function freshBundle() {
  const m = JSON.parse(await readFile(manifest, "utf8").catch(() => "{}"));
  const files = Object.keys(m.inputs ?? {});
  if (files.length === 0 || (await signature(join(cacheDir, m.bundle))) === null) return null;
  const now = await Promise.all(files.map((f) => signature(join(root, f))));
  return files.every((f, i) => now[i] === m.inputs[f]) ? join(cacheDir, m.bundle) : null;
}

async function build() {
  const esbuild = await import("esbuild");
  // Every input is TypeScript read by the plugin below (packages stay external), which notes
  // each file's signature before reading it: an edit made during the build shows as a change.
  const inputs = {};
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        // Code that finds files next to itself (src/vm: the vm/ folder) keeps its own URL.
        name: "own-import-meta-url",
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async (args) => {
            inputs[relative(root, args.path)] = await signature(args.path);
            return {
              contents: (await readFile(args.path, "utf8")).replaceAll(
                "import.meta.url",
                JSON.stringify(pathToFileURL(args.path).href),
              ),
              loader: "ts",
            };
          });
        },
      },
    ],
  });
  // Bare package imports resolve from node_modules/.cache/inconf/ as from the sources. The
  // bundle's name comes from its inputs and the manifest is renamed into place last, so two
  // commands building at once never pair a bundle with another build's inputs.
  await mkdir(cacheDir, { recursive: true });
  const name = `cli-${createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 16)}.mjs`;
  const tmp = `.${process.pid}.tmp`;
  await writeFile(join(cacheDir, name + tmp), result.outputFiles[0].contents);
  await rename(join(cacheDir, name + tmp), join(cacheDir, name));
  await writeFile(manifest + tmp, JSON.stringify({ bundle: name, inputs }));
  await rename(manifest + tmp, manifest);
  for (const f of await readdir(cacheDir))
    if (f.startsWith("cli-") && f.endsWith(".mjs") && f !== name)
      await rm(join(cacheDir, f), { force: true });
  return join(cacheDir, name);
}

async function loadMain() {
  if (process.env.INCONF_NO_BUNDLE !== "1") {
    try {
      return await import(pathToFileURL((await freshBundle()) ?? (await build())).href);
    } catch {
      // No esbuild, a read-only node_modules, a build error: the sources through tsx say it best.
    }
  }
  await useTsx();
  return import("../src/cli/main.ts");
}

const { main } = await loadMain();
await main();
