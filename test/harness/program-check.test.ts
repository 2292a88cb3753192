import { describe, expect, it } from "vitest";
import { didYouMean } from "../../src/harness/program-check.ts";
import { parseProgram, PROGRAM_FORMAT, ProgramError, type Program } from "../../src/harness/program.ts";

const base = {
  format: PROGRAM_FORMAT,
  id: "t/check",
  title: "check",
  family: "t",
  cites: [],
  nics: [{ name: "vtnet1", driver: "vtnet", mac: "02:00:00:00:00:01" }],
};

const aifaddr = { op: "ioctl", cmd: "SIOCAIFADDR", ifname: "vtnet1", args: { addr: "10.0.0.1/24" } };

/** The problems parseProgram reports for these steps (none: the program is accepted). */
function problems(steps: unknown[]): string[] {
  try {
    parseProgram({ ...base, steps }, "p.json");
    return [];
  } catch (e) {
    if (!(e instanceof ProgramError)) throw e;
    return [...e.problems];
  }
}

const withExpect = (expect: object): string[] => problems([{ ...aifaddr, expect }]);

describe("no vacuous check passes validation", () => {
  it("a routes entry with host bits set is rejected with the canonical prefix", () => {
    expect(withExpect({ routes: [{ dst: "10.0.0.1/24", absent: true }] })).toEqual([
      "step 0 (ioctl): expect.routes.0.dst: 10.0.0.1/24 has host bits set: no route has that key (the kernel masks a prefix's destination); did you mean 10.0.0.0/24?",
    ]);
    expect(
      withExpect({ routes: [{ dst: "10.0.0.0/24" }, { dst: "10.0.0.1/32" }, { dst: "10.0.0.1" }] }),
    ).toEqual([]);
  });

  it("a frame field path the decoder never produces is rejected, listing the valid ones", () => {
    const [p, ...more] = withExpect({ frames: [{ where: { "arp.opcode": 1 }, count: 0 }] });
    expect(more).toEqual([]);
    expect(p).toMatch(
      /^step 0 \(ioctl\): expect\.frames\.0\.where\.arp\.opcode: no decoded frame has "arp\.opcode"; did you mean arp\.operation\?; arp fields: hardwareType, protocolType, operation, /,
    );
    expect(p).toContain("targetIp");
    expect(withExpect({ frames: [{ where: { "ether.dst": "ff:ff:ff:ff:ff:ff" } }] })[0]).toMatch(
      /no decoded frame has "ether.dst"; did you mean ethernet.dst\?; paths are layer.field, layers: ethernet, arp, ipv4/,
    );
    // A value that can never be that field's is as vacuous as a wrong path.
    expect(withExpect({ frames: [{ where: { "ethernet.dst": "not-a-mac" } }] })[0]).toMatch(
      /where\.ethernet\.dst: expected a MAC like 02:00:00:00:00:01, got "not-a-mac"/,
    );
    expect(
      withExpect({ frames: [{ where: { "arp.operation": 1, "ethernet.ethertype": "0x0806" } }] }),
    ).toEqual([]);
  });

  it("an unknown RTM type, slot or flag name is rejected, even with absent", () => {
    expect(withExpect({ rtsock: [{ type: "RTM_NEWADR", absent: true }] })).toEqual([
      'step 0 (ioctl): expect.rtsock.0.type: unknown message type "RTM_NEWADR"; did you mean RTM_NEWADDR?',
    ]);
    expect(withExpect({ rtsock: ["RTM_ADDD"] })[0]).toMatch(/expect\.rtsock\.0: .*did you mean RTM_ADD\?/);
    expect(withExpect({ rtsock: [{ type: "RTM_ADD", slots: { gw: "10.0.0.1" }, absent: true }] })[0]).toMatch(
      /expect\.rtsock\.0\.slots\.gw: unknown address slot "gw"/,
    );
    expect(withExpect({ rtsock: [{ type: "RTM_ADD", noflags: ["RTF_PINED"] }] })[0]).toMatch(
      /expect\.rtsock\.0\.noflags\.0: unknown flag "RTF_PINED"; did you mean PINNED\?/,
    );
    // Address messages carry interface flags; route flags there could never be set.
    expect(
      withExpect({
        rtsock: [
          { type: "RTM_NEWADDR", flags: ["IFF_UP"] },
          { type: "RTM_ADD", flags: ["PINNED"] },
        ],
      }),
    ).toEqual([]);
    expect(withExpect({ rtsock: [{ type: "RTM_NEWADDR", noflags: ["STATIC"] }] })[0]).toMatch(
      /unknown flag "STATIC"/,
    );
    expect(withExpect({ routes: [{ dst: "10.0.0.0/24", noflags: ["STATC"] }] })[0]).toMatch(
      /expect\.routes\.0\.noflags\.0: unknown flag "STATC"; did you mean STATIC\?/,
    );
  });

  it("an undeclared interface is an error everywhere, unless the step says it probes a missing one", () => {
    const undeclared = problems([{ op: "ioctl", cmd: "SIOCGIFADDR", ifname: "vtnet9" }]);
    expect(undeclared[0]).toMatch(
      /^step 0 \(ioctl\): ifname: "vtnet9" is not an interface of this program \(lo0, vtnet1\).*write \{ "missing": "vtnet9" \}/,
    );
    // inject was already refused at validation; now ioctl, ifflags, ifdestroy and route agree.
    for (const step of [
      { op: "inject", ifname: "vtnet9", frame: { kind: "hex", hex: "00" } },
      { op: "ifflags", ifname: "vtnet9", set: ["IFF_UP"] },
      { op: "ifdestroy", ifname: "vtnet9" },
      { op: "route", type: "RTM_DELETE", dst: "10.0.0.2", ifname: "vtnet9" },
    ])
      expect(problems([step])[0]).toMatch(/^step 0 \(\w+\): ifname: "vtnet9" is not an interface/);
    expect(problems([{ op: "ioctl", cmd: "SIOCGIFADDR", ifname: { missing: "vtnet9" } }])).toEqual([]);
    expect(problems([{ op: "ioctl", cmd: "SIOCGIFADDR", ifname: { missing: "vtnet1" } }])[0]).toMatch(
      /ifname\.missing: "vtnet1" is this program's, so it is not missing/,
    );
    // Interfaces the program clones (both halves of an epair) and lo0 are its own.
    expect(
      problems([
        { op: "ifcreate", ifname: "epair0" },
        {
          op: "ifflags",
          ifname: "epair0b",
          set: ["IFF_UP"],
          expect: { routes: [{ dst: "127.0.0.1", ifname: "lo0" }] },
        },
      ]),
    ).toEqual([]);
    // An expectation on an interface the program lacks could only ever be absent.
    expect(withExpect({ arp: [{ addr: "10.0.0.2", ifname: "vtnet2", absent: true }] })[0]).toMatch(
      /expect\.arp\.0\.ifname: "vtnet2" is not an interface of this program/,
    );
  });

  it("a group that is not multicast is rejected: no membership could have it", () => {
    expect(withExpect({ groups: [{ ifname: "vtnet1", group: "10.0.0.1", absent: true }] })[0]).toMatch(
      /expect\.groups\.0\.group: 10\.0\.0\.1 is not a multicast address/,
    );
    expect(
      withExpect({ groups: [{ ifname: "vtnet1", lladdr: "02:00:5e:00:00:01", absent: true }] })[0],
    ).toMatch(/expect\.groups\.0\.lladdr: 02:00:5e:00:00:01 is not a multicast MAC/);
    expect(
      withExpect({ groups: [{ ifname: "vtnet1", group: "239.255.255.250", lladdr: "01:00:5e:7f:ff:fa" }] }),
    ).toEqual([]);
  });

  it("absent entries are their key only: other fields would be conditions never checked", () => {
    expect(withExpect({ routes: [{ dst: "10.0.0.0/24", absent: true, flags: ["STATIC"] }] })).toEqual([
      "step 0 (ioctl): expect.routes.0.flags: with absent, only dst and ifname say which entry must not exist; flags would not be checked",
    ]);
    expect(withExpect({ arp: [{ addr: "10.0.0.2", absent: true, lladdr: "02:00:00:00:00:22" }] })[0]).toMatch(
      /expect\.arp\.0\.lladdr: with absent, only addr and ifname/,
    );
    expect(
      withExpect({
        addrs: [{ ifname: "vtnet1", addr: "10.0.0.9", absent: true, broadaddr: "10.0.0.255" }],
      })[0],
    ).toMatch(/expect\.addrs\.0\.broadaddr: with absent/);
    expect(withExpect({ routes: [{ dst: "10.0.0.0/24", ifname: "vtnet1", absent: true }] })).toEqual([]);
  });

  it("a misspelt errno or ioctl name is a program error with a suggestion", () => {
    expect(withExpect({ errno: "EADDRNOTAVIL" })).toEqual([
      'step 0 (ioctl): expect.errno: unknown errno "EADDRNOTAVIL"; did you mean EADDRNOTAVAIL? ("OK", a sys/errno.h name, or a number)',
    ]);
    expect(problems([{ ...aifaddr, cmd: "SIOCAIFADR" }])[0]).toMatch(
      /^step 0 \(ioctl\): cmd: unknown ioctl "SIOCAIFADR"; did you mean SIOCAIFADDR\?/,
    );
    expect(withExpect({ errno: "EWOULDBLOCK" })).toEqual([]);
  });

  it("suggests only near misses", () => {
    expect(didYouMean("vtnet9", ["vtnet1", "lo0"])).toBe("; did you mean vtnet1?");
    expect(didYouMean("frobnicate", ["EINVAL", "ENXIO"])).toBe("");
  });

  it("every suite passes the checks (they are built through the same schema)", async () => {
    const { allScenarios } = await import("../../suites/index.ts");
    const all: Program[] = allScenarios();
    expect(all.length).toBeGreaterThan(100);
  });
});
