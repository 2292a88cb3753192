// The agent line protocol: TS codec round trips, and the C agent itself (built on Linux with its
// FreeBSD calls stubbed out, -DINCONF_LINT_ON_LINUX) answering through the TS client, including
// bad input it must survive. The FreeBSD system calls themselves only run in a FreeBSD guest.

import { execa } from "execa";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeOps, UnsupportedOpError, type FrameIo } from "../../src/backends/freebsd/execute.ts";
import type { FrameRecord, Op } from "../../src/harness/ops.ts";
import { AgentClient, AgentError } from "../../src/vm/agent-client.ts";
import {
  AgentProtocolError,
  FrameReader,
  MAX_REQUEST_BYTES,
  decodeCred,
  decodeRequest,
  decodeResponse,
  encodeCred,
  encodeRequest,
  encodeResponse,
  frame,
  parseReadyLine,
  type AgentOk,
  type AgentRequest,
  type AgentResponse,
  type FrameEvent,
} from "../../src/vm/agent-protocol.ts";

const requests: AgentRequest[] = [
  { kind: "version" },
  { kind: "nic", name: "vtnet0", driver: "vtnet", mac: "020000000001" },
  { kind: "nic", name: "tun0", driver: "tun" },
  { kind: "module", name: "carp" },
  { kind: "ioctl", cred: { uid: 0 }, cmd: 0x8040692b, data: "7674" + "00".repeat(62) },
  {
    kind: "ioctl",
    cred: { uid: 1001, jail: { name: "j1", ip4: ["192.0.2.1", "192.0.2.9"] } },
    cmd: 1,
    data: "",
  },
  { kind: "ioctl", cred: { uid: 0, jail: { name: "empty", ip4: [] } }, cmd: 2, data: "ff" },
  { kind: "ifflags", cred: { uid: 0 }, ifname: "vtnet1", set: 1, clear: 0x8000 },
  { kind: "sysctl", cred: { uid: 0 }, name: "net.link.ether.inet.max_age" },
  { kind: "sysctl", cred: { uid: 0 }, name: "net.link.ether.inet.max_age", value: "05000000" },
  { kind: "sysctl", cred: { uid: 0 }, name: "net.inet.ip.forwarding", value: "" },
  { kind: "rtsock", cred: { uid: 0 }, msg: "9800050401000000" },
  {
    kind: "rtsock",
    cred: { uid: 0 },
    msg: "9800050401000000",
    ifindex: [
      { at: 4, ifname: "vtnet0" },
      { at: 6, ifname: "epair0b" },
    ],
  },
  { kind: "sleep", seconds: 1.5 },
  { kind: "sleep", seconds: 0 },
  { kind: "inject", ifname: "vtnet0", frame: "ffffffffffff" },
  { kind: "inject", ifname: "tun0", frame: "4500001c" },
  { kind: "dump" },
  { kind: "drain" },
  { kind: "echo", data: "00ff" },
  { kind: "echo", data: "" },
  { kind: "stats" },
  { kind: "settle", settleMs: 50, quietMs: 5 },
  { kind: "settle", settleMs: 50 },
  { kind: "quit" },
];

describe("agent protocol codec", () => {
  it.each(requests.map((r) => [encodeRequest(7, r), r] as const))("round-trips %s", (line, req) => {
    expect(line).not.toMatch(/\n/);
    expect(decodeRequest(line)).toEqual({ id: 7, req });
  });

  it("writes the exact lines the C agent parses", () => {
    expect(
      encodeRequest(
        3,
        requests.find((r) => r.kind === "ioctl" && r.cred.uid === 1001)!,
      ),
    ).toBe("3 ioctl 1001@j1:192.0.2.1,192.0.2.9 1 -");
    expect(
      encodeRequest(4, {
        kind: "sysctl",
        cred: { uid: 0 },
        name: "net.link.ether.inet.max_age",
        value: "05000000",
      }),
    ).toBe("4 sysctl 0 net.link.ether.inet.max_age =05000000");
    expect(encodeRequest(5, { kind: "sysctl", cred: { uid: 0 }, name: "net.link.ether.inet.max_age" })).toBe(
      "5 sysctl 0 net.link.ether.inet.max_age -",
    );
    expect(encodeCred({ uid: 0, jail: { name: "x", ip4: [] } })).toBe("0@x:");
  });

  it("refuses what the agent could misread", () => {
    expect(() => encodeRequest(1, { kind: "ioctl", cred: { uid: 0 }, cmd: -1, data: "" })).toThrow(
      AgentProtocolError,
    );
    expect(() => encodeRequest(1, { kind: "ioctl", cred: { uid: 0 }, cmd: 1, data: "ABC" })).toThrow(/hex/);
    expect(() =>
      encodeRequest(1, { kind: "nic", name: "vt net", driver: "vtnet", mac: "020000000001" }),
    ).toThrow(/interface name/);
    expect(() => encodeRequest(1, { kind: "nic", name: "vtnet0", driver: "vtnet", mac: "02:00" })).toThrow(
      /MAC/,
    );
    expect(() => encodeCred({ uid: 0, jail: { name: "j", ip4: ["300.1.1.1"] } })).toThrow(/address/);
    expect(() => decodeCred("root")).toThrow(/cred/);
    expect(() => decodeRequest("1 ioctl 0 5")).toThrow(/argument/);
    expect(() => decodeRequest("x version")).toThrow(/request line/);
    expect(() => decodeRequest("1 reboot")).toThrow(/unknown op/);
  });

  it("round-trips responses, including dumps, version text and empty byte strings", () => {
    const cases: AgentResponse[] = [
      { ok: true, errno: 0, data: "00ff", rt: ["0102", "0304"] },
      { ok: true, errno: 49, data: "", rt: [] },
      {
        ok: true,
        errno: 0,
        rt: [],
        dumps: { routes: "aa", arp: "", iflist: "bb", ifmalist: "cc", uptime: 42 },
      },
      { ok: true, errno: 0, rt: [], version: "inconf-agent/2 freebsd FreeBSD 10.4-RELEASE" },
      { ok: true, errno: 0, rt: [], stats: { frames: 5, naks: 1, repeats: 2, ops: 4 } },
      {
        ok: true,
        errno: 0,
        rt: ["aa"],
        frames: [
          { ifname: "vtnet0", time: 0.25, frame: "ffff" },
          { ifname: "epair0a", time: 3, frame: "" },
        ],
      },
      { ok: true, errno: 0, rt: [], frames: [] },
      { ok: false, message: "unknown op frob" },
    ];
    for (const c of cases) {
      expect(decodeResponse(encodeResponse(9, c))).toEqual({ id: "9", res: c });
    }
    // the C agent's order (rt, then the packets read from its open tun devices)
    expect(decodeResponse("4 ok errno=0 rt=- frames=tun0/0.250000/4500001c,tun1/12.000001/-")).toEqual({
      id: "4",
      res: {
        ok: true,
        errno: 0,
        rt: [],
        frames: [
          { ifname: "tun0", time: 0.25, frame: "4500001c" },
          { ifname: "tun1", time: 12.000001, frame: "" },
        ],
      },
    });
    expect(() => decodeResponse("9 ok data=00")).toThrow(/errno/);
    expect(() => decodeResponse("9 maybe")).toThrow(/bad response/);
    // what the frame marker or a newline would break never reaches the line
    expect(encodeResponse(1, { ok: false, message: "a #b\nc → d" })).toBe("1 error a ?b c ? d");
  });

  it("refuses a request longer than the agent takes", () => {
    const room = MAX_REQUEST_BYTES - "12 echo ".length;
    expect(encodeRequest(12, { kind: "echo", data: "ab".repeat(room / 2) })).toHaveLength(MAX_REQUEST_BYTES);
    expect(() => encodeRequest(12, { kind: "echo", data: "ab".repeat(room / 2 + 1) })).toThrow(
      /at most 20480/,
    );
    // the largest real request, an ioctl with IOCPARM_MAX (8192) bytes, fits
    expect(() =>
      encodeRequest(2 ** 31 - 1, {
        kind: "ioctl",
        cred: { uid: 0x7fffffff, jail: { name: "j".repeat(63), ip4: Array(16).fill("255.255.255.255") } },
        cmd: 0xffffffff,
        data: "00".repeat(8192),
      }),
    ).not.toThrow();
  });
});

describe("framing", () => {
  const events = (...chunks: string[]): FrameEvent[] => {
    const r = new FrameReader();
    const out: FrameEvent[] = [];
    for (const c of chunks) {
      r.push(c);
      for (let e = r.next(); e !== null; e = r.next()) out.push(e);
    }
    return out;
  };
  const good = (payload: string): FrameEvent => ({ kind: "frame", payload });

  it("frames with the length and the CRC-32 of the payload", () => {
    // "123456789" is CRC-32's check string: cbf43926 (the IEEE polynomial, as zlib)
    expect(frame("123456789")).toBe("#9:cbf43926:123456789\n");
    // the C agent's CRC on its receipt for request 1 (a lint-build agent printed this line)
    expect(frame("1 ack")).toBe("#5:27f4e8b6:1 ack\n");
    expect(() => frame("a#b")).toThrow(/'#'/);
    expect(() => frame("a\nb")).toThrow(/newline/);
  });

  it("reads frames however the bytes are split, and a frame without its newline", () => {
    const wire = frame("1 ok errno=0 rt=-") + frame("2 ack");
    for (let cut = 0; cut <= wire.length; cut++) {
      expect(events(wire.slice(0, cut), wire.slice(cut))).toEqual([good("1 ok errno=0 rt=-"), good("2 ack")]);
    }
    expect(events([...wire].join("\u0000").replaceAll("\u0000", ""))).toHaveLength(2);
    expect(events(frame("a").trimEnd() + frame("b"))).toEqual([good("a"), good("b")]);
  });

  it("reports damage and resynchronises at the next frame", () => {
    const f = frame("7 ok errno=0 data=00ff rt=-");
    const flipped = f.slice(0, 20) + (f[20] === "0" ? "1" : "0") + f.slice(21);
    const dropped = f.slice(0, 15) + f.slice(18);
    const wrongLen = f.replace(/^#\d+/, "#99");
    for (const bad of [flipped, dropped, wrongLen, "garbage\n", "#zz:" + f.slice(1)]) {
      const ev = events(bad, frame("8 ack"));
      expect(ev.at(-1), JSON.stringify(bad)).toEqual(good("8 ack"));
      expect(ev.slice(0, -1).length, JSON.stringify(bad)).toBeGreaterThan(0);
      expect(
        ev.slice(0, -1).every((e) => e.kind === "damaged"),
        JSON.stringify(bad),
      ).toBe(true);
    }
    // a header split anywhere waits for its rest rather than calling it damaged
    expect(events("#2", "7:", f.slice(f.indexOf(":") + 1, 20))).toEqual([]);
  });

  it("parses the ready line, framed or as a payload, and says which protocol it is", () => {
    const payload = "- ready inconf-agent/2 settle=50 quiet=10 max=20480";
    const want = { version: "inconf-agent/2", protocol: 2, settleMs: 50, quietMs: 10 };
    expect(parseReadyLine(payload)).toEqual(want);
    expect(parseReadyLine(frame(payload))).toEqual(want);
    expect(parseReadyLine(frame(payload).replace("settle=50", "settle=58"))).toBeNull();
    expect(parseReadyLine("- ready inconf-standin/2 settle=0")).toEqual({
      version: "inconf-standin/2",
      protocol: 2,
      settleMs: 0,
    });
    expect(parseReadyLine("- ready inconf-agent/1 settle=50")?.protocol).toBe(1);
    expect(parseReadyLine("1 ok errno=0")).toBeNull();
  });
});

// The C agent compiled here with its FreeBSD calls stubbed out (ENOSYS): checks its parsing,
// framing and robustness, not FreeBSD behaviour.
const gcc = await execa("gcc", ["--version"], { reject: false }).catch(() => ({ exitCode: 1 }));
const noGcc = gcc.exitCode !== 0 ? "gcc not installed" : false;
if (noGcc) console.warn(`test/vm/agent-protocol: C agent part skipped: ${noGcc}`);

describe.skipIf(noGcc)("C agent (Linux lint build)", () => {
  let dir: string;
  let proc: ChildProcessWithoutNullStreams;
  let agent: AgentClient;
  const ENOSYS = 38;
  const ENXIO = 6;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "inconf-agent-"));
    const src = path.resolve(import.meta.dirname, "../../vm/agent/inconf-agent.c");
    const bin = path.join(dir, "inconf-agent");
    // -Werror: the agent must build warning-free, as base cc will be asked to in the guest.
    await execa("gcc", ["-DINCONF_LINT_ON_LINUX", "-Wall", "-Wextra", "-Werror", "-O1", "-o", bin, src]);
    proc = spawn(bin, ["-s", "1"]);
    agent = await AgentClient.start(proc);
  }, 60_000);

  afterAll(async () => {
    await agent?.quit();
    proc?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it("announces itself and says it is a lint build", async () => {
    expect(agent.version).toBe("inconf-agent/2");
    expect(agent.settleMs).toBe(1);
    const v = await agent.request({ kind: "version" });
    expect(v.version).toMatch(/^inconf-agent\/2 lint-build-on-linux\(performs-nothing\) Linux /);
  });

  it("answers every op kind with the stub errno and an empty routing-socket drain", async () => {
    for (const req of requests.filter(
      (r) => !["version", "quit", "drain", "sleep", "inject", "echo", "stats", "settle"].includes(r.kind),
    )) {
      const r = await agent.request(req);
      // ifindex patches use the host's real if_nametoindex: no vtnet0 here, so ENXIO
      const want = req.kind === "rtsock" && req.ifindex ? ENXIO : ENOSYS;
      expect(r.errno, JSON.stringify(req)).toBe(want);
      expect(r.rt).toEqual([]);
    }
    expect((await agent.request({ kind: "drain" })).errno).toBe(0);
    // sleep really sleeps in the agent (it is not a stubbed call)
    const t = performance.now();
    expect((await agent.request({ kind: "sleep", seconds: 0.2 })).errno).toBe(0);
    expect(performance.now() - t).toBeGreaterThanOrEqual(190);
    // a patch naming an interface that exists is applied, then the (stubbed) write runs
    const lo = await agent.request({
      kind: "rtsock",
      cred: { uid: 0 },
      msg: "00000000",
      ifindex: [{ at: 2, ifname: "lo" }],
    });
    expect(lo.errno).toBe(ENOSYS);
    await expect(
      agent.request({ kind: "rtsock", cred: { uid: 0 }, msg: "00", ifindex: [{ at: 2, ifname: "lo" }] }),
    ).rejects.toThrow(/beyond/);
    // the C agent leaves frames to the host side, except on tun NICs (a write to /dev/tunN,
    // stubbed here); no tun device is open in this build, so no frames key
    const hostSide = agent.request({ kind: "inject", ifname: "vtnet0", frame: "ff" });
    await expect(hostSide).rejects.toThrow(AgentError);
    await expect(hostSide).rejects.toThrow(/host side/);
    const tunInject = await agent.request({ kind: "inject", ifname: "tun0", frame: "4500001c" });
    expect(tunInject.errno).toBe(ENOSYS);
    expect(tunInject.frames).toBeUndefined();
    expect((await agent.request({ kind: "inject", ifname: "tun3", frame: "" })).errno).toBe(ENOSYS);
    // epair halves are the agent's too (a bpf write on the peer), stubbed here
    expect((await agent.request({ kind: "inject", ifname: "epair0a", frame: "ff" })).errno).toBe(ENOSYS);
    // SIOCIFDESTROY (_IOW('i', 121, struct ifreq)) of a tun: the close-first path, then the stub
    const ifreqTun0 = Buffer.from("tun0").toString("hex") + "00".repeat(28);
    expect(
      (await agent.request({ kind: "ioctl", cred: { uid: 0 }, cmd: 0x80206979, data: ifreqTun0 })).errno,
    ).toBe(ENOSYS);
  });

  it("runs a request once, answers its repeat from the cache, echoes and counts", async () => {
    const s0 = (await agent.request({ kind: "stats" })).stats!;
    expect((await agent.request({ kind: "echo", data: "00ff10" })).data).toBe("00ff10");
    expect((await agent.request({ kind: "echo", data: "" })).data).toBe("");
    expect((await agent.request({ kind: "settle", settleMs: 1, quietMs: 0 })).errno).toBe(0);
    const s1 = (await agent.request({ kind: "stats" })).stats!;
    expect(s1.ops - s0.ops).toBe(4);
    expect(s1.repeats).toBe(s0.repeats);
  });

  it("credentials it cannot set up are the op's errno, not a refused request", async () => {
    // jail_set(2) is an ENOSYS stub in this build: the op reports it and returns no data
    const r = await agent.request({
      kind: "ioctl",
      cred: { uid: 0, jail: { name: "j", ip4: ["192.0.2.1", "192.0.2.1"] } },
      cmd: 0xc0206911,
      data: "00".repeat(32),
    });
    expect(r.errno).toBe(ENOSYS);
    expect(r.data).toBeUndefined();
  });

  it("NAKs damaged frames, answers repeats from the cache and survives garbage", async () => {
    // a raw session on a second agent: exact frames in, exact frames out
    const p = spawn(path.join(dir, "inconf-agent"), ["-s", "0"]);
    const out: FrameEvent[] = [];
    const reader = new FrameReader();
    p.stdout.setEncoding("latin1");
    p.stdout.on("data", (c: string) => {
      reader.push(c);
      for (let e = reader.next(); e !== null; e = reader.next()) out.push(e);
    });
    const closed = new Promise((res) => p.on("close", res));
    const f = frame("5 echo 00ff");
    p.stdin.write("garbage\n");
    p.stdin.write(f.slice(0, 12) + "x" + f.slice(13)); // one byte damaged
    p.stdin.write(f);
    p.stdin.write(f); // the same request again: from the cache
    p.stdin.write(frame("6 echo 01").trimEnd()); // no newline: taken all the same
    p.stdin.write(frame("7 " + "x ".repeat(40))); // too many tokens: an error answer
    p.stdin.write(frame("8 ioctl 0 1 zz"));
    p.stdin.write(`#${MAX_REQUEST_BYTES + 1}:00000000:` + "0".repeat(100) + "\n"); // over the limit
    p.stdin.write(frame("9 stats"));
    p.stdin.write(frame("10 quit"));
    p.stdin.end();
    await closed;
    const payloads = out.map((e) => (e.kind === "frame" ? e.payload : `damaged ${e.text}`));
    expect(payloads).toEqual([
      "- ready inconf-agent/2 settle=0 quiet=10 max=20480",
      "- nak",
      "- nak",
      "5 ack",
      "5 ok errno=0 data=00ff",
      "5 ok errno=0 data=00ff",
      "6 ack",
      "6 ok errno=0 data=01",
      "7 ack",
      "7 error too many tokens",
      "8 ack",
      "8 error bad hex in ioctl data",
      "- nak",
      "9 ack",
      "9 ok errno=0 frames=6 naks=3 repeats=1 ops=5",
      "10 ack",
      "10 ok errno=0",
    ]);
  });
});

// executeOps against a fake agent: how a tun NIC's injects and frames are routed on the FreeBSD
// backend (host-side netdevs for the test NICs, the agent's /dev/tunN for tun).
describe("executeOps routing of tun frames", () => {
  function fakes(tunNicErrno = 0): {
    agent: { request: (r: AgentRequest) => Promise<AgentOk> };
    sent: AgentRequest[];
    host: FrameIo;
    hostInjected: string[];
  } {
    const sent: AgentRequest[] = [];
    const hostInjected: string[] = [];
    const agent = {
      request: (r: AgentRequest): Promise<AgentOk> => {
        sent.push(r);
        const res: AgentOk = { ok: true, errno: 0, rt: [] };
        if (r.kind === "nic" && r.driver === "tun") res.errno = tunNicErrno;
        if (r.kind === "inject") res.frames = [{ ifname: r.ifname, time: 1, frame: "45000014" }];
        return Promise.resolve(res);
      },
    };
    const pending: FrameRecord[] = [];
    const host: FrameIo = {
      inject: (ifname, frame) => {
        if (ifname !== "vtnet0") return Promise.resolve(false);
        hostInjected.push(Buffer.from(frame).toString("hex"));
        pending.push({ ifname: "vtnet0", time: 0.5, frame: "ffffffffffff" });
        return Promise.resolve(true);
      },
      collect: () => Promise.resolve(pending.splice(0)),
    };
    return { agent, sent, host, hostInjected };
  }

  const ops: Op[] = [
    { op: "nic", name: "vtnet0", driver: "vtnet", mac: "02:00:00:00:00:01" },
    { op: "nic", name: "tun0", driver: "tun" },
    { op: "inject", ifname: "tun0", frame: "4500001c" },
    { op: "inject", ifname: "vtnet0", frame: "0806" },
  ];

  it("sends a tun inject to the agent and keeps host-side injection for the test NICs", async () => {
    const f = fakes();
    const results = await executeOps(f.agent, ops, { frames: f.host });
    expect(f.sent.map((r) => r.kind)).toEqual(["nic", "nic", "inject", "drain"]);
    expect(f.sent[2]).toEqual({ kind: "inject", ifname: "tun0", frame: "4500001c" });
    expect(f.hostInjected).toEqual(["0806"]);
    // the agent's tun frames are part of the op's result; host-side frames come first
    expect(results[2].frames).toEqual([{ ifname: "tun0", time: 1, frame: "45000014" }]);
    expect(results[3].frames).toEqual([{ ifname: "vtnet0", time: 0.5, frame: "ffffffffffff" }]);
  });

  it("sends injects on either half of an attached epair to the agent", async () => {
    const f = fakes();
    const results = await executeOps(
      f.agent,
      [
        { op: "nic", name: "epair0a", driver: "epair", mac: "02:00:00:00:00:0a" },
        { op: "inject", ifname: "epair0b", frame: "ffffffffffff" },
        { op: "inject", ifname: "epair0a", frame: "ffffffffffff" },
      ],
      { frames: f.host },
    );
    expect(f.sent.map((r) => r.kind)).toEqual(["nic", "inject", "inject"]);
    expect(f.hostInjected).toEqual([]);
    expect(results[1].frames).toEqual([{ ifname: "epair0b", time: 1, frame: "45000014" }]);
    await expect(
      executeOps(f.agent, [{ op: "inject", ifname: "epair1a", frame: "00" }], { frames: f.host }),
    ).rejects.toThrow(/epair/);
  });

  it("does not route to the agent a tun whose nic op failed, nor one never attached", async () => {
    const f = fakes(6);
    await expect(executeOps(f.agent, ops.slice(0, 3), { frames: f.host })).rejects.toThrow(
      UnsupportedOpError,
    );
    const g = fakes();
    await expect(
      executeOps(g.agent, [{ op: "inject", ifname: "tun1", frame: "00" }], { frames: g.host }),
    ).rejects.toThrow(/tun and epair NICs/);
  });
});
