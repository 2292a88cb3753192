import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  classify,
  globMatch,
  loadCatalogue,
  parseCatalogue,
  type FindingKey,
} from "../../src/harness/divergences.ts";

const entry = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: "rtm-order",
  releases: ["14.1-RELEASE"],
  scenarios: ["addr/*"],
  what: "RTM_DELADDR comes before RTM_DELETE",
  why: "14.x reordered rt_addrmsg",
  sources: ["sys/net/route/route_ifaddrs.c"],
  status: "known",
  ...over,
});

const yaml = (entries: Record<string, unknown>[]): string =>
  "format: inconf-divergences/1\ndivergences:\n" +
  entries.map((e) => `  - ${JSON.stringify(e)}`).join("\n") +
  "\n";

const key = (over: Partial<FindingKey> = {}): FindingKey => ({
  scenario: "addr/delete-last",
  release: "14.1-RELEASE",
  kind: "rtsock",
  step: 3,
  path: "step 3 (ioctl) rtsock #0 RTM_DELADDR",
  ...over,
});

describe("divergence catalogue", () => {
  it("parses the main format and a bare list (drafts)", () => {
    expect(parseCatalogue(yaml([entry()]), "d.yaml")).toMatchObject([{ id: "rtm-order", file: "d.yaml" }]);
    expect(
      parseCatalogue(`- ${JSON.stringify(entry({ status: "predicted" }))}\n`, "draft.yaml")[0].status,
    ).toBe("predicted");
    expect(parseCatalogue("", "empty.yaml")).toEqual([]);
  });

  it("errors name the file and the field", () => {
    expect(() => parseCatalogue(yaml([entry({ status: "maybe" })]), "d.yaml")).toThrow(
      /^d\.yaml: divergences\.0\.status: /,
    );
    expect(() => parseCatalogue(yaml([entry({ sources: [] })]), "d.yaml")).toThrow(/divergences\.0\.sources/);
    expect(() => parseCatalogue("a: [", "d.yaml")).toThrow(/^d\.yaml: not YAML/);
  });

  it("globs: * within a segment, ** across", () => {
    expect(globMatch("addr/*", "addr/replace")).toBe(true);
    expect(globMatch("addr/*", "addr/x/y")).toBe(false);
    expect(globMatch("**", "addr/x/y")).toBe(true);
    expect(globMatch("arp/static-add", "arp/static-add")).toBe(true);
    expect(globMatch("a.b", "axb")).toBe(false);
  });

  it("matches on release, scenario and the optional kind/step/path filters", () => {
    const cat = parseCatalogue(yaml([entry({ match: { kind: "rtsock", path: "RTM_DELADDR" } })]), "d.yaml");
    expect(classify(cat, key())?.id).toBe("rtm-order");
    expect(classify(cat, key({ release: "10.4-RELEASE" }))).toBeUndefined();
    expect(classify(cat, key({ scenario: "arp/static-add" }))).toBeUndefined();
    expect(classify(cat, key({ kind: "errno" }))).toBeUndefined();
    expect(classify(cat, key({ path: "step 3 (ioctl) rtsock #0 RTM_ADD" }))).toBeUndefined();
    const any = parseCatalogue(yaml([entry({ releases: ["*"], match: { step: 2 } })]), "d.yaml");
    expect(classify(any, key({ release: "twin", step: 2 }))?.id).toBe("rtm-order");
    expect(classify(any, key({ step: 3 }))).toBeUndefined();
  });

  it("prefers a known entry over a fixed one (a fixed-only match is a regression)", () => {
    const cat = parseCatalogue(
      yaml([entry({ id: "old", status: "fixed" }), entry({ id: "new", status: "known" })]),
      "d.yaml",
    );
    expect(classify(cat, key())?.id).toBe("new");
    expect(classify(cat.slice(0, 1), key())?.status).toBe("fixed");
  });

  it("loads the main file and every draft, and refuses duplicate ids", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-ref-"));
    expect(await loadCatalogue(dir)).toEqual([]);
    await writeFile(join(dir, "divergences.yaml"), yaml([entry()]));
    await mkdir(join(dir, "divergences.draft"));
    await writeFile(
      join(dir, "divergences.draft", "in.yaml"),
      yaml([entry({ id: "seed-vs-10", status: "predicted" })]),
    );
    await writeFile(join(dir, "divergences.draft", "notes.txt"), "ignored");
    const all = await loadCatalogue(dir);
    expect(all.map((d) => [d.id, d.file])).toEqual([
      ["rtm-order", join(dir, "divergences.yaml")],
      ["seed-vs-10", join(dir, "divergences.draft", "in.yaml")],
    ]);
    await writeFile(join(dir, "divergences.draft", "dup.yaml"), yaml([entry()]));
    await expect(loadCatalogue(dir)).rejects.toThrow(/dup\.yaml: duplicate id "rtm-order"/);
  });

  it("the repository's own catalogue and drafts load", async () => {
    const all = await loadCatalogue("reference");
    // Loading validates every entry against the schema; each keeps the file it came from.
    expect(all.every((d) => d.file.startsWith("reference"))).toBe(true);
  });
});
