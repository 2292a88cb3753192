// The divergence catalogue: reference/divergences.yaml (reviewed entries) plus
// reference/divergences.draft/*.yaml (entries the kernel engineers predict from reading the
// source, awaiting review). A finding that matches a known or predicted entry is reported as
// such, not as a failure; one matching a fixed entry is a regression.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export const DIVERGENCES_FORMAT = "inconf-divergences/1";

export const FINDING_KINDS = ["errno", "data", "rtsock", "frame", "state", "expect"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export const DivergenceSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, { message: "expected a kebab-case id like arp-expire-rounding" }),
  /** Releases it applies to ("10.4-RELEASE", "twin" for the model itself, "*" for all). */
  releases: z.array(z.string()).min(1),
  /** Scenario ids; "*" matches within a segment, "**" across ("arp/*", "**"). */
  scenarios: z.array(z.string()).min(1),
  /** What differs, as a reader would notice it. */
  what: z.string().min(1),
  /** Why it differs. */
  why: z.string().min(1),
  /** Citations: file:line in a FreeBSD tree, commit, PR, test case. */
  sources: z.array(z.string()).min(1),
  status: z.enum(["known", "fixed", "predicted"]),
  /** Narrows which findings it covers; absent fields match anything. */
  match: z
    .strictObject({
      kind: z.enum(FINDING_KINDS).optional(),
      /** Program step index. */
      step: z.number().int().nonnegative().optional(),
      /** Substring of the finding's path, e.g. "routes 10.0.0.0/24" or "RTM_DELADDR". */
      path: z.string().optional(),
    })
    .optional(),
});
export type Divergence = z.infer<typeof DivergenceSchema> & { file: string };

const MainFileSchema = z.strictObject({
  format: z.literal(DIVERGENCES_FORMAT),
  divergences: z.array(DivergenceSchema),
});
const ListSchema = z.array(DivergenceSchema);

export class CatalogueError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "CatalogueError";
  }
}

/** Parses one catalogue file's text (the main file or a draft). */
export function parseCatalogue(text: string, file: string): Divergence[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new CatalogueError(file, `not YAML: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) return [];
  // A bare list (how drafts may be written) or the main file's { format, divergences }.
  const r = Array.isArray(data) ? ListSchema.safeParse(data) : MainFileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.map(String).join(".");
    throw new CatalogueError(file, `${path || "(top level)"}: ${issue.message}`);
  }
  const list = Array.isArray(r.data) ? r.data : r.data.divergences;
  return list.map((d) => ({ ...d, file }));
}

/** Loads reference/divergences.yaml and every reference/divergences.draft/*.yaml; ids must be unique. */
export async function loadCatalogue(referenceDir = "reference"): Promise<Divergence[]> {
  const files: string[] = [];
  const main = join(referenceDir, "divergences.yaml");
  const texts: [string, string][] = [];
  try {
    texts.push([main, await readFile(main, "utf8")]);
  } catch {
    // No catalogue yet: nothing is known.
  }
  const draftDir = join(referenceDir, "divergences.draft");
  try {
    for (const f of (await readdir(draftDir)).sort()) {
      if (f.endsWith(".yaml") || f.endsWith(".yml")) files.push(join(draftDir, f));
    }
  } catch {
    // No drafts.
  }
  for (const f of files) texts.push([f, await readFile(f, "utf8")]);
  const all = texts.flatMap(([file, text]) => parseCatalogue(text, file));
  const seen = new Map<string, string>();
  for (const d of all) {
    const prev = seen.get(d.id);
    if (prev !== undefined) throw new CatalogueError(d.file, `duplicate id "${d.id}" (also in ${prev})`);
    seen.set(d.id, d.file);
  }
  return all;
}

/** "arp/*" → matches "arp/expire" but not "arp/x/y"; "**" crosses slashes. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern
    .split(/(\*\*|\*)/)
    .map((part) =>
      part === "**" ? ".*" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${re}$`).test(text);
}

/** What a catalogue entry is matched against. */
export interface FindingKey {
  scenario: string;
  release: string;
  kind: FindingKind;
  step: number | null;
  path: string;
}

function divergenceMatches(d: Divergence, f: FindingKey): boolean {
  if (!d.releases.some((r) => r === "*" || r === f.release)) return false;
  if (!d.scenarios.some((s) => globMatch(s, f.scenario))) return false;
  const m = d.match;
  if (m === undefined) return true;
  if (m.kind !== undefined && m.kind !== f.kind) return false;
  if (m.step !== undefined && m.step !== f.step) return false;
  if (m.path !== undefined && !f.path.includes(m.path)) return false;
  return true;
}

/** The entry that explains a finding: known or predicted first, then fixed (a regression). */
export function classify(catalogue: readonly Divergence[], f: FindingKey): Divergence | undefined {
  const hits = catalogue.filter((d) => divergenceMatches(d, f));
  return hits.find((d) => d.status !== "fixed") ?? hits[0];
}
