// Backend specs on the command line: "twin", "replay:<release>" (or "replay" with --release),
// "freebsd:<guest>" for the minimal guests built from source (freebsd:10.4-seedin, freebsd:10.4),
// and "freebsd" with --release or --image (or "freebsd:<release>") for official images over SSH.

import { execFileSync } from "node:child_process";
import { stat } from "node:fs/promises";
import type { Backend } from "../backends/backend.ts";
import { BackendUnavailableError } from "../backends/backend.ts";
import { createReplayBackend } from "../backends/replay.ts";
import { CliError, EXIT } from "./exit.ts";
import { MINIMAL_GUESTS, minimalGuest } from "../vm/minimal-guest.ts";
import type { Accel } from "../vm/qemu-args.ts";

export interface BackendChoice {
  spec: string;
  release?: string;
  referenceDir: string;
  /** freebsd: a local VM image instead of the catalogue's download for the release. */
  image?: string;
  /** freebsd: QEMU accelerator (default: TCG for the minimal guests, KVM when usable otherwise). */
  accel?: Accel;
}

/** node:child_process rather than execa: importing execa costs every twin run ~0.1 s of CPU. */
function gitRevision(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined; // not a git checkout, or no git: the provenance just lacks the revision
  }
}

export async function openBackend(c: BackendChoice): Promise<Backend> {
  const [kind, arg] = c.spec.split(":", 2);
  switch (kind) {
    case "twin": {
      // Loaded here: the twin kernel is the heaviest module and `list` never needs it.
      const { createTwinBackend } = await import("../backends/twin.ts");
      return createTwinBackend({ revision: gitRevision() });
    }
    case "replay": {
      const release = arg ?? c.release;
      if (release === undefined) {
        throw new CliError(
          EXIT.usage,
          "replay needs a release: --backend replay:10.4-RELEASE, or --backend replay --release 10.4-RELEASE",
        );
      }
      return createReplayBackend({ release, root: c.referenceDir });
    }
    case "freebsd": {
      const guest = arg !== undefined && c.image === undefined ? minimalGuest(arg) : undefined;
      if (guest) {
        const { createMinimalBackend } = await import("../backends/freebsd/minimal.ts");
        return createMinimalBackend(guest, { ...(c.accel !== undefined && { accel: c.accel }) });
      }
      return openFreebsd(arg ?? c.release, c.image, c.accel);
    }
    default:
      throw new CliError(
        EXIT.usage,
        `unknown backend "${c.spec}": use twin, replay:<release>, ${MINIMAL_GUESTS.map((g) => `freebsd:${g.name}`).join(", ")} or freebsd --release R`,
      );
  }
}

/** A local image that is not there: said once, as exit 3, before the backend exists. The VM
 * code only finds out when it starts a VM, once per scenario, with a plain Error each time. */
async function checkImage(image: string | undefined): Promise<void> {
  // As the VM code resolves it (src/backends/freebsd/index.ts resolveImage): --image, else the
  // environment; an empty value means none.
  const [file, from] = image
    ? [image, "--image"]
    : [process.env.INCONF_FREEBSD_IMAGE, "INCONF_FREEBSD_IMAGE"];
  if (!file) return;
  const info = await stat(file).catch(() => null);
  if (info === null || !info.isFile())
    throw new BackendUnavailableError("freebsd", `${from} ${file}: no such image file`);
}

async function openFreebsd(
  release: string | undefined,
  image: string | undefined,
  accel: Accel | undefined,
): Promise<Backend> {
  await checkImage(image);
  let mod: typeof import("../backends/freebsd/index.ts");
  try {
    mod = await import("../backends/freebsd/index.ts");
  } catch (e) {
    throw new BackendUnavailableError(
      "freebsd",
      `the FreeBSD VM backend (src/backends/freebsd/index.ts) cannot be loaded: ${(e as Error).message}`,
    );
  }
  return mod.createFreebsdBackend({
    ...(release !== undefined && { release }),
    ...(image !== undefined && { image }),
    ...(accel !== undefined && { accel }),
  });
}
