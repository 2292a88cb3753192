import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ioctlByName } from "../../src/abi/sockio.ts";
import { KernelPanicTraceError, type Backend } from "../../src/backends/backend.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { diffObservations } from "../../src/harness/diff.ts";
import {
  catalogueReference,
  catalogueRuns,
  catalogueStanding,
  classify,
  globMatch,
  loadCatalogue,
  parseCatalogue,
  type Divergence,
} from "../../src/harness/divergences.ts";
import { findingKey, type Finding, type FindingKey } from "../../src/harness/findings.ts";
import type { Observations, OpObs, StateObs } from "../../src/harness/observation.ts";
import { compare } from "../../src/harness/runner.ts";
import { scenario } from "../../src/harness/scenario.ts";
import { arpReplyFrame, observations, rtmsg, state } from "./fakes.ts";

const entry = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: "rtm-order",
  applies: ["10.4-RELEASE"],
  scenarios: ["addr/*"],
  what: "RTM_DELADDR comes before RTM_NEWADDR",
  why: "10.4 in_control announces the old address first",
  sources: ["seed in.c:1", "10.4 sys/netinet/in.c:1"],
  status: "unconfirmed",
  match: { kind: "rtsock", key: "RTM_DELADDR", field: "only-b" },
  ...over,
});

const yaml = (entries: Record<string, unknown>[]): string =>
  "format: inconf-divergences/2\ndivergences:\n" +
  entries.map((e) => `  - ${JSON.stringify(e)}`).join("\n") +
  "\n";

const cat = (...entries: Record<string, unknown>[]): Divergence[] => parseCatalogue(yaml(entries), "d.yaml");

const SIOCAIFADDR = ioctlByName("SIOCAIFADDR") ?? 0;

/** Step 0 is an SIOCAIFADDR ioctl, op 1 its checkpoint. */
function obs(over: { op?: Partial<OpObs>; state?: StateObs } = {}): Observations {
  return observations({
    op: { op: { op: "ioctl", cred: { uid: 0 }, cmd: SIOCAIFADDR, data: "" }, ...over.op },
    state: over.state,
  });
}

/** The keys of every finding between a and b. */
function keys(a: Observations, b: Observations): FindingKey[] {
  return diffObservations(a, b).map((f: Finding) => findingKey(f, a.ops[f.opIndex].op));
}

const at = (key: FindingKey, scenario = "addr/replace", reference = "10.4-RELEASE") => ({
  scenario,
  reference,
  key,
});

describe("finding keys", () => {
  it("errno: the op, field errno, both errnos by name", () => {
    expect(keys(obs(), obs({ op: { errno: 22 } }))).toEqual([
      {
        kind: "errno",
        step: 0,
        op: "ioctl SIOCAIFADDR",
        key: "ioctl SIOCAIFADDR",
        field: "errno",
        a: "OK",
        b: "EINVAL",
      },
    ]);
  });

  it("data: the differing byte offsets as ranges, or presence and length", () => {
    const [k] = keys(obs({ op: { data: "00112233aabb" } }), obs({ op: { data: "00ff2233cccc" } }));
    expect(k).toMatchObject({ kind: "data", key: "ioctl SIOCAIFADDR", field: "bytes 1,4-5" });
    expect(keys(obs({ op: { data: "00" } }), obs({ op: { data: "0000" } }))[0].field).toBe("length");
    expect(keys(obs({ op: { data: "00" } }), obs())[0]).toMatchObject({
      field: "only-a",
      a: "00",
      b: "absent",
    });
  });

  it("rtsock: the message type, and its differing fields or which side has it", () => {
    const a = obs({ op: { rtsock: [rtmsg("RTM_NEWADDR", { ifa: "10.0.0.1", netmask: "255.0.0.0" })] } });
    const b = obs({
      op: {
        rtsock: [rtmsg("RTM_NEWADDR", { ifa: "10.0.0.1", netmask: "255.255.255.0" }, { flags: "UP,DONE" })],
      },
    });
    expect(keys(a, b)).toEqual([
      expect.objectContaining({
        key: "RTM_NEWADDR",
        field: "flags,addrs.netmask",
        a: "flags=UP addrs.netmask=255.0.0.0",
        b: "flags=UP,DONE addrs.netmask=255.255.255.0",
      }),
    ]);
  });

  it("rtsock: a message in another place shows as one only-a and one only-b of its type", () => {
    const a = obs({ op: { rtsock: [rtmsg("RTM_NEWADDR"), rtmsg("RTM_DELADDR")] } });
    const b = obs({ op: { rtsock: [rtmsg("RTM_DELADDR"), rtmsg("RTM_NEWADDR")] } });
    expect(keys(a, b).map((k) => `${k.key} ${k.field}`)).toEqual([
      "RTM_NEWADDR only-a",
      "RTM_NEWADDR only-b",
    ]);
  });

  it("state: the table and row key, and the differing columns", () => {
    const sb = state();
    sb.routes = [{ ...sb.routes[0], flags: "UP" }];
    sb.groups = [];
    const k = keys(obs(), obs({ state: sb }));
    expect(k).toEqual([
      expect.objectContaining({
        kind: "state",
        op: "checkpoint",
        key: "routes 10.0.0.0/24 vtnet1",
        field: "flags",
        a: "UP,PINNED",
        b: "UP",
      }),
      // One side only: the whole row, so an entry can say which row it means.
      expect.objectContaining({
        key: "routes 10.0.0.1 lo0",
        field: "only-a",
        a: "dst=10.0.0.1 gateway=link#vtnet1 flags=UP,HOST,STATIC ifname=lo0",
        b: "absent",
      }),
      expect.objectContaining({ key: "groups vtnet1 224.0.0.1", field: "only-a" }),
    ]);
  });

  it("frame: the interface and protocol layers, and fields named by layer", () => {
    const k = keys(
      obs({ op: { frames: [arpReplyFrame()] } }),
      obs({ op: { frames: [arpReplyFrame("vtnet1", 2)] } }),
    );
    expect(k).toEqual([
      expect.objectContaining({ kind: "frame", key: "vtnet1 ethernet/arp", field: "time", a: "1", b: "2" }),
    ]);
  });
});

describe("matching is precise", () => {
  // The ICMP-redirect prediction once matched every finding of every scenario: it must match
  // only a dynamic host route or an RTM_REDIRECT, never the routes, groups or rtsock findings
  // of an address change.
  const redirect = cat(
    entry({
      id: "twin-icmp-redirect-not-applied",
      applies: ["10.4-RELEASE", "10.4-seedin"],
      scenarios: undefined,
      match: [
        { kind: "rtsock", key: "RTM_REDIRECT", field: "only-b" },
        { kind: "state", key: "routes * *", field: "only-b", op: "inject" },
      ],
    }),
  );
  const sb = state();
  sb.routes = [{ ...sb.routes[0], flags: "UP" }];
  sb.groups = [];
  const unrelated = keys(
    obs({ op: { rtsock: [rtmsg("RTM_NEWADDR")] } }),
    obs({
      op: { rtsock: [rtmsg("RTM_DELADDR"), rtmsg("RTM_NEWADDR", {}, { flags: "DONE" })], errno: 22 },
      state: sb,
    }),
  );

  const pick = (key: string): FindingKey => {
    const k = unrelated.find((x) => x.key === key);
    if (k === undefined) throw new Error(`no ${key} finding`);
    return k;
  };
  const [deladdr, newaddr, groups] = ["RTM_DELADDR", "RTM_NEWADDR", "groups vtnet1 224.0.0.1"].map(pick);

  it("an entry matches none of an unrelated scenario's findings", () => {
    expect(unrelated.map((k) => `${k.kind} ${k.key} ${k.field}`)).toEqual([
      "errno ioctl SIOCAIFADDR errno",
      "rtsock RTM_NEWADDR only-a",
      "rtsock RTM_DELADDR only-b",
      "rtsock RTM_NEWADDR only-b",
      "state routes 10.0.0.0/24 vtnet1 flags",
      "state routes 10.0.0.1 lo0 only-a",
      "state groups vtnet1 224.0.0.1 only-a",
    ]);
    for (const k of unrelated) expect(classify(redirect, at(k))).toBeUndefined();
  });

  it("it matches what it names", () => {
    const k = keys(obs(), obs({ op: { rtsock: [rtmsg("RTM_REDIRECT")] } }));
    expect(classify(redirect, at(k[0]))?.id).toBe("twin-icmp-redirect-not-applied");
  });

  it("kind, key, field, values, op and step must all agree", () => {
    const errno = cat(
      entry({
        match: { kind: "errno", key: "ioctl SIOCAIFADDR", field: "errno", a: "OK", b: "EINVAL", step: 0 },
      }),
    );
    const [k] = unrelated;
    expect(classify(errno, at(k))?.id).toBe("rtm-order");
    for (const bad of [
      { kind: "data" as const },
      { key: "ioctl SIOCDIFADDR" },
      { field: "bytes 1" },
      { a: "EEXIST" },
      { b: "OK" },
      { step: 1 },
    ])
      expect(classify(errno, at({ ...k, ...bad }))).toBeUndefined();
    const withOp = cat(entry({ match: { kind: "state", key: "groups *", field: "only-a", op: "ioctl *" } }));
    expect(classify(withOp, at(groups))).toBeUndefined();
    expect(classify(withOp, at({ ...groups, op: "ioctl SIOCDIFADDR" }))?.id).toBe("rtm-order");
  });

  it("a field list matches only as a whole: an extra differing field is a new finding", () => {
    const flags = cat(entry({ match: { kind: "rtsock", key: "RTM_NEWADDR", field: "flags" } }));
    const k = { ...newaddr, field: "flags" };
    expect(classify(flags, at(k))?.id).toBe("rtm-order");
    expect(classify(flags, at({ ...k, field: "flags,addrs.netmask" }))).toBeUndefined();
  });

  it("the reference and scenario selectors: a seed-vs-10.4 entry never explains a 10.4-seedin finding", () => {
    const c = cat(entry());
    const k = deladdr;
    expect(classify(c, at(k))?.id).toBe("rtm-order");
    expect(classify(c, at(k, "addr/replace", "10.4-seedin"))).toBeUndefined();
    expect(classify(c, at(k, "addr/replace", "twin"))).toBeUndefined();
    expect(classify(c, at(k, "arp/static-add"))).toBeUndefined();
    expect(classify(cat(entry({ scenarios: undefined })), at(k, "arp/static-add"))?.id).toBe("rtm-order");
  });

  it("the reference is b's release unless b is the twin", () => {
    expect(catalogueReference(["twin", "10.4-RELEASE"])).toBe("10.4-RELEASE");
    expect(catalogueReference(["10.4-seedin", "twin"])).toBe("10.4-seedin");
    expect(catalogueReference(["10.4-seedin", "10.4-RELEASE"])).toBe("10.4-RELEASE");
    expect(catalogueReference(["twin"])).toBe("twin");
  });

  it("prefers a known or unconfirmed entry over a fixed one (a fixed-only match is a regression)", () => {
    const c = cat(entry({ id: "old", status: "fixed" }), entry({ id: "new" }));
    expect(classify(c, at(deladdr))?.id).toBe("new");
    expect(classify(c.slice(0, 1), at(deladdr))?.status).toBe("fixed");
  });
});

describe("catalogue files", () => {
  it("parses entries; match may be one matcher or a list", () => {
    const [d] = cat(entry());
    expect(d).toMatchObject({ id: "rtm-order", file: "d.yaml", match: [{ kind: "rtsock" }] });
    expect(parseCatalogue("", "empty.yaml")).toEqual([]);
  });

  it("refuses imprecise or inconsistent entries, naming the file and the field", () => {
    const bad = (over: Record<string, unknown>, msg: RegExp): void => {
      expect(() => cat(entry(over))).toThrow(msg);
    };
    bad({ match: undefined }, /^d\.yaml: divergences\.0\.match: /);
    bad(
      { match: { kind: "state", key: "*", field: "only-b" } },
      /divergences\.0\.match\.key: a pattern must name/,
    );
    bad({ match: { kind: "state", key: "routes *", field: "**" } }, /match\.field: a pattern must name/);
    bad({ match: { kind: "rtsock", path: "RTM_DELADDR" } }, /match/);
    bad({ applies: ["*"] }, /applies\.0: expected one reference/);
    bad({ releases: ["10.4-RELEASE"] }, /Unrecognized key/);
    bad({ status: "predicted" }, /status/);
    bad({ status: "known" }, /confirmed: a known entry names the traces/);
    bad({ confirmed: ["10.4-RELEASE/addr/replace"] }, /status: an entry with confirming traces is known/);
    bad(
      { status: "known", confirmed: ["10.4-seedin/addr/replace"] },
      /confirmed\.0: 10\.4-seedin\/addr\/replace: not a reference/,
    );
    bad(
      { status: "known", confirmed: ["addr-replace"] },
      /confirmed\.0: expected "<reference>\/<scenario id>"/,
    );
    bad({ sources: [] }, /divergences\.0\.sources/);
    expect(() => parseCatalogue("a: [", "d.yaml")).toThrow(/^d\.yaml: not YAML/);
    expect(() => parseCatalogue(`- ${JSON.stringify(entry())}\n`, "d.yaml")).toThrow(/\(top level\)/);
    expect(() => parseCatalogue(yaml([entry()]).replace("/2", "/1"), "d.yaml")).toThrow(/format/);
  });

  it("globs: * within a segment, ** across", () => {
    expect(globMatch("addr/*", "addr/replace")).toBe(true);
    expect(globMatch("addr/*", "addr/x/y")).toBe(false);
    expect(globMatch("**", "addr/x/y")).toBe(true);
    expect(globMatch("a.b", "axb")).toBe(false);
  });

  it("loads the main file and every draft, and refuses duplicate ids", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-ref-"));
    expect(await loadCatalogue(dir)).toEqual([]);
    await writeFile(join(dir, "divergences.yaml"), yaml([entry()]));
    await mkdir(join(dir, "divergences.draft"));
    await writeFile(join(dir, "divergences.draft", "in.yaml"), yaml([entry({ id: "seed-vs-10" })]));
    await writeFile(join(dir, "divergences.draft", "notes.txt"), "ignored");
    const all = await loadCatalogue(dir);
    expect(all.map((d) => [d.id, d.file])).toEqual([
      ["rtm-order", join(dir, "divergences.yaml")],
      ["seed-vs-10", join(dir, "divergences.draft", "in.yaml")],
    ]);
    await writeFile(join(dir, "divergences.draft", "dup.yaml"), yaml([entry()]));
    await expect(loadCatalogue(dir)).rejects.toThrow(/dup\.yaml: duplicate id "rtm-order"/);
  });
});

describe("entries a run shows nothing for", () => {
  const c = cat(
    entry({ id: "confirmed", status: "known", confirmed: ["10.4-RELEASE/addr/replace"] }),
    entry({ id: "predicted-here" }),
    entry({ id: "predicted-elsewhere", scenarios: ["arp/*"] }),
    entry({ id: "gone", status: "fixed" }),
  );
  const run = (scenario: string, explainedBy: string[], reference = "10.4-RELEASE") => ({
    scenario,
    reference,
    explainedBy,
  });

  it("a known entry its confirming scenario no longer shows is stale", () => {
    const s = catalogueStanding(c, [run("addr/replace", []), run("addr/other", ["confirmed"])]);
    expect(s.stale.map((x) => [x.entry.id, x.scenarios])).toEqual([["confirmed", ["addr/replace"]]]);
    expect(catalogueStanding(c, [run("addr/replace", ["confirmed"])]).stale).toEqual([]);
    // Not stale where it was not confirmed, nor on another reference.
    expect(catalogueStanding(c, [run("addr/other", [])]).stale).toEqual([]);
    expect(catalogueStanding(c, [run("addr/replace", [], "10.4-seedin")]).stale).toEqual([]);
  });

  it("unconfirmed entries about a scenario that ran are listed, with what they explained", () => {
    const s = catalogueStanding(c, [run("addr/replace", []), run("addr/other", ["predicted-here"])]);
    expect(s.unconfirmed.map((x) => [x.entry.id, x.explained])).toEqual([["predicted-here", ["addr/other"]]]);
    expect(catalogueStanding(c, [run("addr/replace", [], "10.4-seedin")]).unconfirmed).toEqual([]);
  });

  it("skipped and errored scenarios show nothing either way", () => {
    const result = (status: string) => ({
      program: { id: "addr/replace" },
      status,
      sides: [{ release: "twin" }, { release: "10.4-RELEASE" }],
      findings: [{ divergence: { id: "confirmed" } }, {}],
    });
    expect(catalogueRuns([result("known"), result("skipped"), result("error")])).toEqual([
      { scenario: "addr/replace", reference: "10.4-RELEASE", explainedBy: ["confirmed"] },
    ]);
  });
});

describe("the repository's catalogue", () => {
  it("loads: every entry is valid and keeps the file it came from", async () => {
    const all = await loadCatalogue("reference");
    expect(all.every((d) => d.file.startsWith("reference"))).toBe(true);
  });
});

describe("a kernel panic on one side only", () => {
  // No dump before the panic: the partial side names vtnet1 from its RTM_NEWADDR's IFP, so its
  // messages are kept and agree with the other side's.
  const program = scenario("t/panic", "two adds", (s) => {
    s.nic("vtnet1");
    s.aifaddr("vtnet1", "10.0.0.1/24");
    s.aifaddr("vtnet1", "10.0.0.2/24");
  });
  /** The twin, but its kernel panics on the last op (the final checkpoint). */
  const panicking: Backend = {
    name: "twin",
    async run(ops, p) {
      const t = await createTwinBackend().run(ops, p);
      const k = ops.length - 1;
      const partial = {
        ...t,
        ops: t.ops.slice(0, k),
        results: t.results.slice(0, k),
        panic: { op: t.ops[k], message: "panic: boom" },
      };
      throw new KernelPanicTraceError("panic: boom", partial);
    },
    async close() {},
  };
  const entry_ = entry({
    applies: ["twin"],
    scenarios: ["t/*"],
    match: { kind: "panic", key: "checkpoint", field: "only-a", a: "panic: *" },
  });

  it("is a finding on the op it panicked on, after a diff of the ops both ran", async () => {
    const [r] = await compare([program], panicking, createTwinBackend(), []);
    expect(r.status).toBe("fail");
    expect(r.findings.map((f) => [f.finding.kind, f.finding.path, f.key.field, f.key.a, f.key.b])).toEqual([
      ["panic", `op ${r.findings[0].finding.opIndex} (checkpoint) panic`, "only-a", "panic: boom", "absent"],
    ]);
  });

  it("the catalogue can explain it; both sides panicking on the same op agree", async () => {
    const [r] = await compare([program], panicking, createTwinBackend(), cat(entry_));
    expect(r.status).toBe("known");
    const [both] = await compare([program], panicking, panicking, []);
    expect([both.status, both.findings]).toEqual(["pass", []]);
  });
});
