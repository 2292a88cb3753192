import { spawnSync } from "node:child_process";
import type { EventEmitter } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mac } from "../../src/wire/addr.ts";
import {
  arpReply,
  arpRequest,
  gratuitousArp,
  icmpEchoReply,
  icmpEchoRequest,
  igmpLeave,
  igmpQuery,
  igmpReport,
  igmpV3Report,
  udpDatagram,
} from "../../src/wire/builders.ts";
import { isWireError } from "../../src/wire/error.ts";
import {
  PcapCapture,
  pcapRecordTimeUs,
  readPcap,
  writePcap,
  writePcapFiles,
  type PcapFile,
} from "../../src/wire/pcap.ts";
import { hexBytes } from "./helpers.ts";

const A = mac("02:00:00:00:00:02");
const B = mac("02:00:00:00:00:01");
const IP_A = 0x0a000002;
const IP_B = 0x0a000001;
const PING = new TextEncoder().encode("ping");

function mustRead(bytes: Uint8Array): PcapFile {
  const f = readPcap(bytes);
  if (isWireError(f)) throw new Error(f.message);
  return f;
}

describe("pcap writer", () => {
  it("writes the classic header and record layout of pcap-savefile(5)", () => {
    const frame = hexBytes("ffffffffffff 020000000002 0806");
    expect(writePcap([{ timeUs: 2_000_003, bytes: frame }])).toEqual(
      hexBytes(`
        d4 c3 b2 a1   # magic 0xa1b2c3d4 little-endian: microsecond timestamps
        02 00 04 00   # version 2.4
        00 00 00 00   # thiszone
        00 00 00 00   # sigfigs
        ff ff 00 00   # snaplen 65535
        01 00 00 00   # LINKTYPE_ETHERNET
        02 00 00 00   # ts_sec 2
        03 00 00 00   # ts_usec 3
        0e 00 00 00   # incl_len 14
        0e 00 00 00   # orig_len 14
        ffffffffffff 020000000002 0806
      `),
    );
  });

  it("cuts records to the snap length but keeps the original length", () => {
    const f = mustRead(writePcap([{ timeUs: 0, bytes: new Uint8Array(100) }], 64));
    expect(f.snaplen).toBe(64);
    expect(f.records[0].bytes.length).toBe(64);
    expect(f.records[0].originalLength).toBe(100);
  });

  it("rejects timestamps that are not whole non-negative microseconds", () => {
    expect(() => writePcap([{ timeUs: 1.5, bytes: new Uint8Array(14) }])).toThrow(RangeError);
    expect(() => new PcapCapture("vtnet0").add(-1, new Uint8Array(14))).toThrow(RangeError);
  });
});

describe("pcap reader", () => {
  it("reads back what the writer wrote", () => {
    const frames = [
      arpRequest({ srcMac: A, srcIp: IP_A, targetIp: IP_B }),
      gratuitousArp({ srcMac: A, ip: IP_A }),
    ];
    const f = mustRead(writePcap(frames.map((bytes, i) => ({ timeUs: 5_000_000 + i * 999_999, bytes }))));
    expect(f).toMatchObject({
      linkType: 1,
      resolution: "us",
      littleEndian: true,
      versionMajor: 2,
      versionMinor: 4,
    });
    expect(f.records.map((r) => r.bytes)).toEqual(frames);
    expect(f.records.map((r) => pcapRecordTimeUs(f, r))).toEqual([5_000_000, 5_999_999]);
  });

  it("reads big-endian and nanosecond files", () => {
    const be = hexBytes(`
      a1 b2 3c 4d   # magic 0xa1b23c4d big-endian: nanosecond timestamps
      0002 0004 00000000 00000000 0000ffff 00000001
      00000007 000f4241   # 7 s + 1000001 ns
      00000002 0000003c   # 2 bytes captured of 60
      abcd
    `);
    const f = mustRead(be);
    expect(f).toMatchObject({ resolution: "ns", littleEndian: false, linkType: 1, snaplen: 65535 });
    expect(f.records).toEqual([
      { seconds: 7, fraction: 1_000_001, originalLength: 60, bytes: hexBytes("abcd") },
    ]);
    expect(pcapRecordTimeUs(f, f.records[0])).toBe(7_001_000);
  });

  it("returns error values for pcapng, bad versions and cut-off records", () => {
    const good = writePcap([{ timeUs: 0, bytes: new Uint8Array(20) }]);
    const ng = good.slice();
    ng.set(hexBytes("0a0d0d0a"), 0);
    expect(isWireError(readPcap(ng)) && (readPcap(ng) as { message: string }).message).toMatch(/pcapng/);
    const v3 = good.slice();
    v3[4] = 3;
    expect(isWireError(readPcap(v3))).toBe(true);
    expect(isWireError(readPcap(good.subarray(0, good.length - 1)))).toBe(true);
    expect(isWireError(readPcap(good.subarray(0, 30)))).toBe(true);
    expect(mustRead(good.subarray(0, 24)).records).toEqual([]);
  });
});

// Every frame kind the builders make, in one capture.
function sampleCapture(ifname = "vtnet1"): PcapCapture {
  const c = new PcapCapture(ifname);
  const frames = [
    arpRequest({ srcMac: A, srcIp: IP_A, targetIp: IP_B }),
    arpReply({ srcMac: B, srcIp: IP_B, dstMac: A, dstIp: IP_A }),
    gratuitousArp({ srcMac: A, ip: IP_A }),
    icmpEchoRequest({ srcMac: A, dstMac: B, srcIp: IP_A, dstIp: IP_B, id: 1, seq: 1, payload: PING }),
    icmpEchoReply({ srcMac: B, dstMac: A, srcIp: IP_B, dstIp: IP_A, id: 1, seq: 1, payload: PING }),
    igmpReport({ srcMac: A, srcIp: IP_A, group: 0xef010101, version: 2 }),
    igmpReport({ srcMac: A, srcIp: IP_A, group: 0xef010101, version: 1 }),
    igmpLeave({ srcMac: A, srcIp: IP_A, group: 0xef010101 }),
    igmpV3Report({
      srcMac: A,
      srcIp: IP_A,
      records: [
        { type: 4, group: 0xef010101, sources: [], auxData: new Uint8Array(0) },
        { type: 1, group: 0xef010102, sources: [0x0a000005], auxData: new Uint8Array(0) },
      ],
    }),
    igmpQuery({ srcMac: B, srcIp: IP_B, version: 2 }),
    igmpQuery({ srcMac: B, srcIp: IP_B, version: 3, group: 0xef010101, sources: [IP_A] }),
    udpDatagram({
      srcMac: A,
      dstMac: B,
      srcIp: IP_A,
      dstIp: IP_B,
      srcPort: 40000,
      dstPort: 9,
      payload: PING,
    }),
  ];
  frames.forEach((f, i) => c.add(1_000_001 + i * 250_000, f));
  return c;
}

describe("pcap files per interface", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "inconf-wire-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes <ifname>.pcap for each capture", async () => {
    const other = new PcapCapture("lo0");
    other.add(0, new Uint8Array(14));
    const paths = await writePcapFiles(dir, [sampleCapture(), other]);
    expect(paths).toEqual([join(dir, "vtnet1.pcap"), join(dir, "lo0.pcap")]);
    const back = mustRead(new Uint8Array(await readFile(paths[0])));
    expect(back.records.map((r) => r.bytes)).toEqual(sampleCapture().packets.map((p) => p.bytes));
    await expect(writePcapFiles(dir, [new PcapCapture("../x")])).rejects.toThrow(/not usable as a file name/);
  });

  it("the independent pcap-parser package reads the same records", async () => {
    const path = join(dir, "cross.pcap");
    await writePcapFiles(dir, [sampleCapture("cross")]);
    const require = createRequire(import.meta.url);
    const pcapp = require("pcap-parser") as { parse(path: string): EventEmitter };
    type Packet = { header: { timestampSeconds: number; timestampMicroseconds: number }; data: Buffer };
    const packets = await new Promise<Packet[]>((resolve, reject) => {
      const got: Packet[] = [];
      const p = pcapp.parse(path);
      p.on("packet", (pkt: Packet) => got.push(pkt));
      p.on("error", reject);
      p.on("end", () => resolve(got));
    });
    const expected = sampleCapture().packets;
    expect(packets.map((p) => new Uint8Array(p.data))).toEqual(expected.map((p) => p.bytes));
    expect(packets.map((p) => p.header.timestampSeconds * 1e6 + p.header.timestampMicroseconds)).toEqual(
      expected.map((p) => p.timeUs),
    );
  });

  const tcpdump = spawnSync("tcpdump", ["--version"], { encoding: "utf8" });
  const haveTcpdump = tcpdump.status === 0;
  const why = haveTcpdump ? "" : " (skipped: install tcpdump (apt-get install tcpdump) to run)";

  function runTcpdump(args: string[], file: string): string[] {
    const r = spawnSync("tcpdump", [...args, "-r", file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trimEnd().split("\n");
  }

  it.skipIf(!haveTcpdump)(`Debian's tcpdump decodes what we wrote${why}`, async () => {
    const [path] = await writePcapFiles(dir, [sampleCapture()]);
    // tcpdump -n -tt: seconds.microseconds, then its own decoding of each frame.
    expect(runTcpdump(["-n", "-tt"], path)).toEqual([
      "1.000001 ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28",
      "1.250001 ARP, Reply 10.0.0.1 is-at 02:00:00:00:00:01, length 28",
      "1.500001 ARP, Request who-has 10.0.0.2 tell 10.0.0.2, length 28",
      "1.750001 IP 10.0.0.2 > 10.0.0.1: ICMP echo request, id 1, seq 1, length 12",
      "2.000001 IP 10.0.0.1 > 10.0.0.2: ICMP echo reply, id 1, seq 1, length 12",
      "2.250001 IP 10.0.0.2 > 239.1.1.1: igmp v2 report 239.1.1.1",
      "2.500001 IP 10.0.0.2 > 239.1.1.1: igmp v1 report 239.1.1.1",
      "2.750001 IP 10.0.0.2 > 224.0.0.2: igmp leave 239.1.1.1",
      "3.000001 IP 10.0.0.2 > 224.0.0.22: igmp v3 report, 2 group record(s)",
      "3.250001 IP 10.0.0.1 > 224.0.0.1: igmp query v2",
      "3.500001 IP 10.0.0.1 > 239.1.1.1: igmp query v3 [gaddr 239.1.1.1, 1 source(s)]",
      "3.750001 IP 10.0.0.2.40000 > 10.0.0.1.9: UDP, length 4",
    ]);
  });

  it.skipIf(!haveTcpdump)(
    `tcpdump -vv finds every checksum right, and flags a broken one${why}`,
    async () => {
      const [path] = await writePcapFiles(dir, [sampleCapture()]);
      const verbose = runTcpdump(["-n", "-vv", "-e"], path).join("\n");
      // tcpdump prints "bad cksum", "wrong icmp cksum", "bad igmp cksum" or "bad udp cksum" on a mismatch.
      expect(verbose).not.toMatch(/bad|wrong/);
      expect(verbose).toMatch(/\[udp sum ok\]/);
      expect(verbose).toMatch(
        /igmp v3 report, 2 group record\(s\) \[gaddr 239\.1\.1\.1 to_ex \{ \}\] \[gaddr 239\.1\.1\.2 is_in \{ 10\.0\.0\.5 \}\]/,
      );
      expect(verbose).toMatch(/ttl 1, .*options \(RA\)/);
      expect(verbose).toMatch(/02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP \(0x0806\), length 42/);

      const broken = new PcapCapture("broken");
      const frame = icmpEchoRequest({
        srcMac: A,
        dstMac: B,
        srcIp: IP_A,
        dstIp: IP_B,
        id: 1,
        seq: 1,
        payload: PING,
      });
      frame[14 + 10] ^= 0x01;
      broken.add(0, frame);
      const [brokenPath] = await writePcapFiles(dir, [broken]);
      expect(runTcpdump(["-n", "-v"], brokenPath).join("\n")).toMatch(/bad cksum/);
    },
  );
});
