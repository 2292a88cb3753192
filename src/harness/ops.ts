// The lowered program: the contract between the harness and every backend. Ops carry only bytes
// and numbers (hex for byte strings), so the FreeBSD guest agent performs exactly what the twin
// performs. docs/formats.md describes each op and what a backend must do with it.

import { z } from "zod";

/** Lowercase hex with no separators; "" is the empty byte string. */
export const HexString = z.string().regex(/^(?:[0-9a-f]{2})*$/, "lowercase hex, two digits per byte");

export const CredSchema = z.object({
  uid: z.number().int().nonnegative(),
  jail: z
    .object({
      name: z.string().min(1),
      ip4: z.array(z.string()),
    })
    .optional(),
});
/** Credentials an op runs with: uid 0 without jail is root on the host. */
export type Cred = z.infer<typeof CredSchema>;

export const ROOT: Cred = { uid: 0 };

export const OpSchema = z.discriminatedUnion("op", [
  // Twin: attach a NIC of that driver with that MAC. VM: check the NIC exists (creating epair/tun
  // through their cloner), set the MAC, turn checksum/TSO/LRO offloads off.
  z.object({
    op: z.literal("nic"),
    name: z.string(),
    driver: z.enum(["vtnet", "epair", "tun"]),
    /** Absent for tun, which has no link-level address. */
    mac: z.string().optional(),
  }),
  // Load a kernel module before anything else runs (twin: the matching Kernel option; VM: kldload).
  z.object({ op: z.literal("module"), name: z.enum(["carp"]) }),
  // ioctl(2) on an AF_INET SOCK_DGRAM socket, as ifconfig does; `data` is the argument struct.
  z.object({ op: z.literal("ioctl"), cred: CredSchema, cmd: z.number().int(), data: HexString }),
  // Read-modify-write of interface flags: SIOCGIFFLAGS, then SIOCSIFFLAGS with
  // ((ifr_flagshigh << 16 | ifr_flags) | set) & ~clear, on one ifreq named `ifname`.
  z.object({
    op: z.literal("ifflags"),
    cred: CredSchema,
    ifname: z.string(),
    set: z.number().int().nonnegative(),
    clear: z.number().int().nonnegative(),
  }),
  // sysctlbyname(3); `value` is the new value's bytes (absent: read only).
  z.object({ op: z.literal("sysctl"), cred: CredSchema, name: z.string(), value: HexString.optional() }),
  // write(2) of one message on a fresh PF_ROUTE socket (not the monitoring socket). Interface
  // indices differ between backends, so before writing, the backend stores
  // if_nametoindex(ifname) as a little-endian u16 at each `ifindex[].at` byte offset of `msg`.
  z.object({
    op: z.literal("rtsock_write"),
    cred: CredSchema,
    msg: HexString,
    ifindex: z.array(z.object({ at: z.number().int().nonnegative(), ifname: z.string() })).optional(),
  }),
  // A frame arriving on `ifname` from the wire (VM: written host side into the NIC's netdev; for a
  // tun, written by the agent to the /dev/tunN it holds open).
  z.object({ op: z.literal("inject"), ifname: z.string(), frame: HexString }),
  // Let time pass: the twin advances its virtual clock; the VM sleeps for real.
  z.object({ op: z.literal("sleep"), seconds: z.number().nonnegative() }),
  // Dump state: NET_RT_DUMP, NET_RT_FLAGS with RTF_LLINFO, NET_RT_IFLIST, NET_RT_IFMALIST (AF_INET).
  z.object({ op: z.literal("checkpoint"), label: z.string() }),
]);
export type Op = z.infer<typeof OpSchema>;
export type OpKind = Op["op"];

export const DUMP_KINDS = ["routes", "arp", "iflist", "ifmalist"] as const;
export type DumpKind = (typeof DUMP_KINDS)[number];

export const FrameRecordSchema = z.object({
  ifname: z.string(),
  /** Seconds since the program started (virtual on the twin, wall clock on the VM). */
  time: z.number(),
  frame: HexString,
});
export type FrameRecord = z.infer<typeof FrameRecordSchema>;

export const OpResultSchema = z.object({
  /** 0 on success. For ifflags: the first failing call's errno. nic/inject/sleep/checkpoint: 0
   * unless the backend could not perform the op at all. */
  errno: z.number().int(),
  /** ioctl: the argument struct after the call (copyout); sysctl: the old value;
   * ifflags: the ifreq as passed to SIOCSIFFLAGS. */
  data: HexString.optional(),
  /** Messages read from the monitoring routing socket (opened before the first op), drained
   * after this op, each one message. */
  rtsock: z.array(HexString),
  /** Frames the NICs emitted since the previous op, in order. */
  frames: z.array(FrameRecordSchema),
  /** checkpoint only: the sysctl dump bytes. */
  dumps: z
    .object({
      routes: HexString,
      arp: HexString,
      iflist: HexString,
      ifmalist: HexString,
      /** time_uptime (seconds) when dumped: the clock ARP expiry times count on. */
      uptime: z.number().optional(),
    })
    .optional(),
});
export type OpResult = z.infer<typeof OpResultSchema>;

/** Where a trace came from. Reference traces must say which FreeBSD, exactly. */
export const ProvenanceSchema = z.object({
  /** "10.4-RELEASE", or "twin" for the TypeScript model. */
  release: z.string().min(1),
  /** `uname -a` of the guest; for the twin, a description of the model and its commit. */
  uname: z.string().min(1),
  /** sha256 of the VM image the guest booted (absent for the twin). */
  imageSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** sha256 of the kernel file the guest booted (the minimal guests built from source). */
  kernelSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** How the guest was made: the build recipe and the hash of all its inputs. */
  recipe: z.string().optional(),
  /** QEMU accelerator the guest ran under ("tcg", "kvm"). */
  accel: z.string().optional(),
  /** ISO 8601 time the trace was recorded. */
  date: z.string().min(1),
  /** Anything else worth recording (QEMU version, agent version). */
  notes: z.string().optional(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const TRACE_FORMAT = "inconf-trace/1";

export const RawTraceSchema = z.object({
  format: z.literal(TRACE_FORMAT),
  /** The Program's id. */
  program: z.string(),
  /** Backend name: "twin", "freebsd", ... */
  backend: z.string(),
  provenance: ProvenanceSchema,
  /** The ops that ran, so a trace can be read without the suite that made it. */
  ops: z.array(OpSchema),
  /** One result per op, same order. */
  results: z.array(OpResultSchema),
  /** The kernel panicked on the op after the last result: that op and what the kernel said
   * (the twin: the cited reason; a guest: the console's panic line and backtrace). */
  panic: z.object({ op: OpSchema, message: z.string().min(1) }).optional(),
});
export type RawTrace = z.infer<typeof RawTraceSchema>;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function fromHex(hex: string): Uint8Array {
  // Buffer's hex decoder stops at the first pair that is not two hex digits, so a full-length
  // result is the check (an even number of hex digits and nothing else), in the same pass.
  const bytes = Buffer.from(hex, "hex");
  if (bytes.length * 2 !== hex.length) {
    throw new Error(`not a hex byte string: "${hex.length > 40 ? hex.slice(0, 40) + "…" : hex}"`);
  }
  return new Uint8Array(bytes);
}
