// The image catalogue (vm/images.json): which official FreeBSD images inconf boots, where they
// are published and how they are verified. Releases not listed can still be fetched when their
// layout follows the same pattern (`catalogueEntry` derives one, marked as derived).

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const ImageSchema = z.object({
  variant: z.enum(["vm", "basic-ci"]),
  mirror: z.enum(["current", "archive"]),
  dir: z.string().endsWith("/"),
  files: z.array(z.string().regex(/^[A-Za-z0-9._-]+\.xz$/)).min(1),
  format: z.enum(["qcow2", "raw"]),
  checksums: z.array(z.enum(["CHECKSUM.SHA512", "CHECKSUM.SHA256"])).min(1),
  /** console: log in on the serial console (root, empty password); basic-ci: same path works,
   * the image also runs sshd with root/empty password. */
  access: z.enum(["console", "basic-ci"]),
});
export type CatalogueImage = z.infer<typeof ImageSchema>;

const CatalogueSchema = z.object({
  mirrors: z.object({ current: z.string().url(), archive: z.string().url() }),
  releases: z.array(
    z.object({
      release: z.string().regex(/^\d+\.\d+-RELEASE$/),
      why: z.string(),
      images: z.array(ImageSchema).min(1),
    }),
  ),
});
export type Catalogue = z.infer<typeof CatalogueSchema>;

export const CATALOGUE_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../vm/images.json",
);

export function loadCatalogue(file = CATALOGUE_FILE): Catalogue {
  return CatalogueSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** "10.4", "10.4-RELEASE", "14.3-release" → "10.4-RELEASE". */
export function normalizeRelease(r: string): string {
  const m = /^(\d+)\.(\d+)(?:-RELEASE)?$/i.exec(r.trim());
  if (!m) throw new Error(`"${r}" is not a FreeBSD release like 11.0 or 14.3-RELEASE`);
  return `${m[1]}.${m[2]}-RELEASE`;
}

export interface ResolvedImage extends CatalogueImage {
  release: string;
  /** The directory URL (ends with /), mirror applied. */
  baseUrl: string;
  /** Not in the catalogue: built from the published layout. */
  derived: boolean;
}

export function catalogueEntry(
  cat: Catalogue,
  release: string,
  variant: CatalogueImage["variant"] = "vm",
  mirrorOverride?: string,
): ResolvedImage {
  const rel = normalizeRelease(release);
  const entry = cat.releases.find((r) => r.release === rel);
  let image: CatalogueImage | undefined = entry?.images.find((i) => i.variant === variant);
  let derived = false;
  if (!image) {
    if (entry) {
      throw new Error(
        `${rel} has no "${variant}" image in the catalogue (has: ${entry.images.map((i) => i.variant).join(", ")})`,
      );
    }
    // Not listed: the layout every release since 10.0 uses.
    derived = true;
    const os = `FreeBSD-${rel}-amd64`;
    image =
      variant === "vm"
        ? {
            variant,
            mirror: "current",
            dir: `VM-IMAGES/${rel}/amd64/Latest/`,
            files: [`${os}-ufs.qcow2.xz`, `${os}.qcow2.xz`],
            format: "qcow2",
            checksums: ["CHECKSUM.SHA512", "CHECKSUM.SHA256"],
            access: "console",
          }
        : {
            variant,
            mirror: "current",
            dir: `CI-IMAGES/${rel}/amd64/Latest/`,
            files: [`${os}-BASIC-CI-ufs.raw.xz`, `${os}-BASIC-CI.raw.xz`],
            format: "raw",
            checksums: ["CHECKSUM.SHA512", "CHECKSUM.SHA256"],
            access: "basic-ci",
          };
  }
  const base = mirrorOverride ?? cat.mirrors[image.mirror];
  return {
    ...image,
    release: rel,
    baseUrl: new URL(image.dir, base.endsWith("/") ? base : base + "/").href,
    derived,
  };
}

export interface ChecksumLine {
  algo: "sha512" | "sha256";
  file: string;
  hex: string;
}

/** Reads BSD (`SHA256 (file) = hex`, what sha256(1) writes) and GNU (`hex  file`) lines. */
export function parseChecksumFile(text: string, algoHint: "sha512" | "sha256"): ChecksumLine[] {
  const out: ChecksumLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    let m = /^(SHA512|SHA256) \(([^)]+)\) = ([0-9a-fA-F]+)$/.exec(line);
    if (m) {
      out.push({ algo: m[1].toLowerCase() as "sha512" | "sha256", file: m[2], hex: m[3].toLowerCase() });
      continue;
    }
    m = /^([0-9a-fA-F]{64}|[0-9a-fA-F]{128})\s+\*?(\S+)$/.exec(line);
    if (m) out.push({ algo: m[1].length === 128 ? "sha512" : algoHint, file: m[2], hex: m[1].toLowerCase() });
  }
  return out.filter((l) => l.hex.length === (l.algo === "sha512" ? 128 : 64));
}
