// The divergence catalogue: reference/divergences.yaml (entries a recorded trace confirms, or
// pre-written and awaiting one) plus reference/divergences.draft/*.yaml (the same format, for
// entries under review). An entry explains only the findings its matchers name precisely (kind,
// observation key, differing field). After a run, a known entry whose confirming scenario no
// longer shows it is reported as stale, and unconfirmed entries are listed with what they explained.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { FindingKey } from "./findings.ts";

export const DIVERGENCES_FORMAT = "inconf-divergences/2";

const FINDING_KINDS = ["errno", "data", "rtsock", "frame", "state", "expect", "panic"] as const;

/** A pattern that says something: "*" alone would match every finding of a kind. */
const Pattern = z.string().min(1).regex(/[^*]/, { message: "a pattern must name something besides '*'" });

const MatcherSchema = z.strictObject({
  kind: z.enum(FINDING_KINDS),
  /** The observation ("ioctl SIOCGIFADDR", "RTM_DELADDR", "routes 10.0.0.0/24 vtnet1"); "*" is any text. */
  key: Pattern,
  /** What differs ("errno", "bytes 17", "flags", "only-b"); "*" is any text. */
  field: Pattern,
  /** Each side's value of that field ("EDESTADDRREQ", "absent"); "*" is any text. */
  a: z.string().optional(),
  b: z.string().optional(),
  /** The op the finding comes from ("ioctl SIOCAIFADDR"); "*" is any text. */
  op: Pattern.optional(),
  /** Program step index. */
  step: z.number().int().nonnegative().optional(),
});
type Matcher = z.infer<typeof MatcherSchema>;

/** A reference folder under reference/ ("10.4-RELEASE", "10.4-seedin"), or "twin" for `run` on the twin. */
const Reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  message: 'expected one reference, e.g. "10.4-RELEASE" (no wildcards)',
});

/** "<reference>/<scenario id>": the recorded trace reference/<reference>/<scenario>.trace.json. */
const TraceRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[a-z0-9][a-z0-9/_-]*$/, {
  message: 'expected "<reference>/<scenario id>", e.g. "10.4-RELEASE/addr/replace"',
});

export const DivergenceSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: "expected a kebab-case id like arp-expire-rounding" }),
    /** The references whose findings it may explain: a seed-vs-10.4 entry never explains a
     * twin-vs-10.4-seedin finding. */
    applies: z.array(Reference).min(1),
    /** Scenario ids; "*" matches within a segment, "**" across ("arp/*"). Absent: every scenario. */
    scenarios: z.array(z.string().min(1)).min(1).optional(),
    /** What differs, as a reader would notice it. */
    what: z.string().min(1),
    /** Why it differs. */
    why: z.string().min(1),
    /** Citations: "seed in.c:325-328", "10.4 sys/netinet/in.c:412-420", a commit, a test case. */
    sources: z.array(z.string().min(1)).min(1),
    /** known: a recorded trace shows it (`confirmed`); unconfirmed: read from the sources, no
     * trace yet; fixed: it no longer differs, so a matching finding is a regression. */
    status: z.enum(["known", "unconfirmed", "fixed"]),
    /** The recorded traces that show it. */
    confirmed: z.array(TraceRef).min(1).optional(),
    /** The findings it explains: one matcher per kind of finding the difference causes. */
    match: z
      .union([MatcherSchema, z.array(MatcherSchema).min(1)])
      .transform((m) => (Array.isArray(m) ? m : [m])),
  })
  .superRefine((d, ctx) => {
    if (d.status === "known" && d.confirmed === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["confirmed"],
        message: "a known entry names the traces that confirm it",
      });
    if (d.status === "unconfirmed" && d.confirmed !== undefined)
      ctx.addIssue({ code: "custom", path: ["status"], message: "an entry with confirming traces is known" });
    for (const [i, t] of (d.confirmed ?? []).entries()) {
      if (!d.applies.includes(t.split("/")[0]))
        ctx.addIssue({
          code: "custom",
          path: ["confirmed", i],
          message: `${t}: not a reference the entry applies to`,
        });
    }
  });
export type Divergence = z.infer<typeof DivergenceSchema> & { file: string };

const MainFileSchema = z.strictObject({
  format: z.literal(DIVERGENCES_FORMAT),
  divergences: z.array(DivergenceSchema),
});

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
  const r = MainFileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.map(String).join(".");
    throw new CatalogueError(file, `${path || "(top level)"}: ${issue.message}`);
  }
  return r.data.divergences.map((d) => ({ ...d, file }));
}

/** Loads reference/divergences.yaml and every reference/divergences.draft/*.yaml; ids must be unique. */
export async function loadCatalogue(referenceDir = "reference"): Promise<Divergence[]> {
  const files = [join(referenceDir, "divergences.yaml")];
  const draftDir = join(referenceDir, "divergences.draft");
  try {
    for (const f of (await readdir(draftDir)).sort()) {
      if (f.endsWith(".yaml") || f.endsWith(".yml")) files.push(join(draftDir, f));
    }
  } catch {
    // No drafts.
  }
  const texts: [string, string][] = [];
  for (const f of files) {
    try {
      texts.push([f, await readFile(f, "utf8")]);
    } catch {
      // No catalogue yet: nothing is known.
    }
  }
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
  return globRegExp(pattern, { "**": ".*", "*": "[^/]*" }).test(text);
}

/** Matcher patterns: "*" is any text, slashes and spaces included ("routes * vtnet1"). */
function textMatch(pattern: string, text: string): boolean {
  return globRegExp(pattern, { "**": ".*", "*": ".*" }).test(text);
}

function globRegExp(pattern: string, stars: { "**": string; "*": string }): RegExp {
  const re = pattern
    .split(/(\*\*|\*)/)
    .map((part) => (part === "**" || part === "*" ? stars[part] : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${re}$`);
}

/** Where a finding was made: its scenario, the reference it was diffed against, and its key. */
export interface FindingContext {
  scenario: string;
  /** The reference the run's findings are matched on (`catalogueReference`). */
  reference: string;
  key: FindingKey;
}

/** The reference a run's findings are catalogued against, from its sides' releases in order
 * (a, b): b's unless b is the twin (`diff --a twin --b replay:10.4-RELEASE` → "10.4-RELEASE"),
 * "twin" when both are. */
export function catalogueReference(releases: readonly string[]): string {
  return releases.findLast((r) => r !== "twin") ?? "twin";
}

function matcherMatches(m: Matcher, k: FindingKey): boolean {
  return (
    m.kind === k.kind &&
    textMatch(m.key, k.key) &&
    textMatch(m.field, k.field) &&
    (m.a === undefined || textMatch(m.a, k.a)) &&
    (m.b === undefined || textMatch(m.b, k.b)) &&
    (m.op === undefined || textMatch(m.op, k.op)) &&
    (m.step === undefined || m.step === k.step)
  );
}

/** Whether the entry is about this reference and scenario at all. */
function entryCovers(d: Divergence, reference: string, scenario: string): boolean {
  return d.applies.includes(reference) && (d.scenarios ?? ["**"]).some((s) => globMatch(s, scenario));
}

function divergenceMatches(d: Divergence, f: FindingContext): boolean {
  return entryCovers(d, f.reference, f.scenario) && d.match.some((m) => matcherMatches(m, f.key));
}

/** The entry that explains a finding: known or unconfirmed first, then fixed (a regression). */
export function classify(catalogue: readonly Divergence[], f: FindingContext): Divergence | undefined {
  const hits = catalogue.filter((d) => divergenceMatches(d, f));
  return hits.find((d) => d.status !== "fixed") ?? hits[0];
}

/** One scenario of a run, as the catalogue sees it. */
export interface CatalogueRun {
  scenario: string;
  reference: string;
  /** Ids of the entries that explained its findings. */
  explainedBy: readonly string[];
}

/** Entries a run says something about beyond its findings' verdicts. */
export interface CatalogueStanding {
  /** Known entries whose confirming scenario ran and showed none of their findings: stale. */
  stale: { entry: Divergence; scenarios: string[] }[];
  /** Unconfirmed entries about a scenario that ran, with the scenarios whose findings they
   * explained (empty: the prediction did not show). */
  unconfirmed: { entry: Divergence; explained: string[] }[];
}

export function catalogueStanding(
  catalogue: readonly Divergence[],
  runs: readonly CatalogueRun[],
): CatalogueStanding {
  const out: CatalogueStanding = { stale: [], unconfirmed: [] };
  for (const entry of catalogue) {
    if (entry.status === "known") {
      const confirming = new Set(entry.confirmed);
      const scenarios = runs
        .filter((r) => confirming.has(`${r.reference}/${r.scenario}`) && !r.explainedBy.includes(entry.id))
        .map((r) => r.scenario);
      if (scenarios.length > 0) out.stale.push({ entry, scenarios });
    } else if (entry.status === "unconfirmed") {
      const covered = runs.filter((r) => entryCovers(entry, r.reference, r.scenario));
      if (covered.length === 0) continue;
      const explained = covered.filter((r) => r.explainedBy.includes(entry.id)).map((r) => r.scenario);
      out.unconfirmed.push({ entry, explained });
    }
  }
  return out;
}

/** The catalogue's view of a run's results (`ScenarioResult`s): scenarios that ran, skips and
 * errors left out, since they show nothing either way. */
export function catalogueRuns(
  results: readonly {
    program: { id: string };
    status: string;
    sides: readonly { release: string }[];
    findings: readonly { divergence?: { id: string } }[];
  }[],
): CatalogueRun[] {
  return results
    .filter((r) => r.status !== "skipped" && r.status !== "error")
    .map((r) => ({
      scenario: r.program.id,
      reference: catalogueReference(r.sides.map((s) => s.release)),
      explainedBy: r.findings.flatMap((f) => (f.divergence !== undefined ? [f.divergence.id] : [])),
    }));
}

/** "a, b, c and 4 more": scenario lists stay one line. */
function some(ids: readonly string[], most = 5): string {
  return ids.length <= most
    ? ids.join(", ")
    : `${ids.slice(0, most).join(", ")} and ${ids.length - most} more`;
}

/** One line per stale or unconfirmed entry, for the end of a run. */
export function describeStanding(s: CatalogueStanding): string[] {
  return [
    ...s.stale.map(
      ({ entry, scenarios }) =>
        `catalogue: ${entry.id} (${entry.file}) is known, but ${some(scenarios)}, which confirm it, no longer show it: stale`,
    ),
    ...s.unconfirmed.map(({ entry, explained }) =>
      explained.length > 0
        ? `catalogue: ${entry.id} (${entry.file}) is unconfirmed; it explains findings in ${some(explained)}`
        : `catalogue: ${entry.id} (${entry.file}) is unconfirmed and matched no finding`,
    ),
  ];
}
