import { describe, expect, it } from "vitest";
import { createReplayBackend } from "../../src/backends/replay.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { explore } from "../../src/explore/explore.ts";
import { signatureText } from "../../src/explore/signature.ts";

// Recorded on the 10.4-seedin guest (kernel sha256 in each trace's provenance) with
//   inconf explore --b freebsd:10.4-seedin --seed 11 --count 25 --no-coverage \
//     --save-traces test/explore/traces/10.4-seedin
// The same seed makes the same Programs, so the twin is diffed against what FreeBSD did.
describe("explore twin against recorded 10.4-seedin traces", () => {
  it("regenerates every recorded Program and diverges only where the guest's observation has a known gap", async () => {
    const s = await explore({
      a: createTwinBackend(),
      b: createReplayBackend({ release: "10.4-seedin", root: "test/explore/traces" }),
      seed: 11,
      count: 25,
      gen: { maxSteps: 12, guest: true },
      catalogue: [],
      // Shrink candidates have no recorded trace (they are skipped), so shrinking cannot move.
      shrinkBudget: 5,
      maxFindings: 5,
      command: "test",
    });
    expect(s.programs).toBe(25);
    expect(s.skipped).toBe(0);
    // The agent captures an epair's frames only for the program's declared NICs (its nic op,
    // vm/agent/inconf-agent.c "frames: tun devices and epair captures"), so the GARP the twin
    // sends on a cloned epair1a (SIOCAIFADDR brings it up: 10.4 if_ethersubr.c ether_ioctl
    // SIOCSIFADDR → arp_ifinit) is never seen on the guest. Anything else is new.
    expect(s.findings.map((f) => signatureText(f.signature))).toEqual([
      "frame | ioctl SIOCAIFADDR | epair1a ethernet/arp",
    ]);
  });
});
