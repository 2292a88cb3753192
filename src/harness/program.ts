// The Program: a scenario as versioned JSON ("inconf-program/1"). Steps are typed (addresses as
// dotted quads, flags by name) or raw hex for malformed input; expectations ride on steps.
// Schema errors name the file, the step index and the field (see formatProgramIssues).

import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ipv4ToString, parseIpv4 } from "../abi/in.ts";
import { CredSchema, HexString } from "./ops.ts";
import { checkProgram } from "./program-check.ts";

export const PROGRAM_FORMAT = "inconf-program/1";

/** A dotted quad written as the decoder writes one (no leading zeros: "10.0.0.01" is not one,
 * and inet_aton would read "010" as octal), so expectations compare as text. */
const isDottedQuad = (s: string): boolean => {
  const a = parseIpv4(s);
  return a !== null && ipv4ToString(a) === s;
};

const ipv4 = z.string().refine(isDottedQuad, { message: "expected a dotted quad like 10.0.0.1" });

/** "10.0.0.1" or "10.0.0.1/24". */
const ipv4Prefix = z.string().refine(
  (s) => {
    const [a, len, ...rest] = s.split("/");
    if (rest.length > 0 || !isDottedQuad(a)) return false;
    return len === undefined || (/^\d{1,2}$/.test(len) && Number(len) <= 32);
  },
  { message: "expected an address like 10.0.0.1 or 10.0.0.0/24" },
);

const mac = z.string().regex(/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/, {
  message: "expected a MAC like 02:00:00:00:00:01 (lowercase)",
});

/** An interface the program has (a NIC, one it clones, lo0), or one it means to be missing:
 * { missing: "vtnet9" } probes what the kernel does with an unknown name (ENXIO, say). */
export const IfnameSpecSchema = z.union([z.string(), z.strictObject({ missing: z.string().min(1) })]);
export type IfnameSpec = z.infer<typeof IfnameSpecSchema>;

/** The name an interface spec stands for. */
export function ifnameOf(spec: IfnameSpec): string {
  return typeof spec === "string" ? spec : spec.missing;
}

/**
 * A sockaddr_in inside an ioctl struct: a dotted quad (a well-formed sockaddr_in), or its
 * fields spelled out to build a malformed one (sin_len 0, another family, a port).
 */
export const SinSpecSchema = z.union([
  ipv4Prefix,
  z.strictObject({
    addr: ipv4.optional(),
    len: z.number().int().min(0).max(255).optional(),
    family: z.number().int().min(0).max(255).optional(),
    port: z.number().int().min(0).max(65535).optional(),
  }),
]);
export type SinSpec = z.infer<typeof SinSpecSchema>;

/** Typed ioctl arguments; which struct they fill follows from the command's size. */
export const IoctlArgsSchema = z.strictObject({
  /** in_aliasreq ifra_addr, or ifreq ifr_addr. "a.b.c.d/len" also sets ifra_mask. */
  addr: SinSpecSchema.optional(),
  mask: SinSpecSchema.optional(),
  broadaddr: SinSpecSchema.optional(),
  /** in_aliasreq: the point-to-point destination (same slot as broadaddr). */
  dstaddr: SinSpecSchema.optional(),
  vhid: z.number().int().optional(),
  /** ifreq ifr_flags/ifr_flagshigh, by IFF_ name. */
  flags: z.array(z.string()).optional(),
  /** ifreq's first int (ifr_mtu, ifr_metric, ifr_fib). */
  int: z.number().int().optional(),
});
export type IoctlArgs = z.infer<typeof IoctlArgsSchema>;

export const RouteExpectSchema = z.strictObject({
  dst: ipv4Prefix,
  absent: z.boolean().optional(),
  /** A dotted quad, or "link#" for a link-level (interface) gateway. */
  gateway: z.string().optional(),
  ifname: z.string().optional(),
  /** RTF_ names (with or without the prefix) that must be set. */
  flags: z.array(z.string()).optional(),
  /** RTF_ names that must be clear. */
  noflags: z.array(z.string()).optional(),
  /** The route's ifa address (RTAX_IFA of the dump), e.g. after a prefix hand-over. */
  ifa: ipv4.optional(),
});
export type RouteExpect = z.infer<typeof RouteExpectSchema>;

export const ArpExpectSchema = z.strictObject({
  addr: ipv4,
  absent: z.boolean().optional(),
  /** A MAC, or "incomplete" for an entry still resolving. */
  lladdr: z.union([mac, z.literal("incomplete")]).optional(),
  ifname: z.string().optional(),
  static: z.boolean().optional(),
  /** RTF_ names the dumped entry must carry (in_lltable_dump: ANNOUNCE for published entries). */
  flags: z.array(z.string()).optional(),
  /** Seconds the entry has left at the checkpoint (rmx_expire - time_uptime), within [min, max]. */
  expire: z
    .strictObject({ min: z.number().nonnegative().optional(), max: z.number().nonnegative().optional() })
    .refine((x) => x.min !== undefined || x.max !== undefined, { message: "give min, max or both" })
    .refine((x) => x.min === undefined || x.max === undefined || x.min <= x.max, {
      message: "min must not exceed max",
    })
    .optional(),
});
export type ArpExpect = z.infer<typeof ArpExpectSchema>;

export const AddrExpectSchema = z.strictObject({
  ifname: z.string(),
  /** "10.0.0.1" or "10.0.0.1/24" (then the mask must match too). */
  addr: ipv4Prefix,
  absent: z.boolean().optional(),
  broadaddr: ipv4.optional(),
  dstaddr: ipv4.optional(),
});
export type AddrExpect = z.infer<typeof AddrExpectSchema>;

export const GroupExpectSchema = z
  .strictObject({
    ifname: z.string(),
    group: ipv4.optional(),
    /** The link-layer group a membership maps to (01:00:5e:00:00:01 for 224.0.0.1). */
    lladdr: mac.optional(),
    absent: z.boolean().optional(),
  })
  .refine((g) => g.group !== undefined || g.lladdr !== undefined, {
    message: "give group, lladdr or both",
    path: ["group"],
  });
export type GroupExpect = z.infer<typeof GroupExpectSchema>;

export const FrameExpectSchema = z.strictObject({
  ifname: z.string().optional(),
  /** Dotted paths into the decoded frame (see `inconf show`), e.g. { "arp.tpa": "10.0.0.5" }. */
  where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /** Exactly this many matching frames; default: at least one. 0 means none may match. */
  count: z.number().int().nonnegative().optional(),
  /** The whole frame, byte for byte (lowercase hex, after normalization), for byte-exact checks. */
  hex: HexString.optional(),
});
export type FrameExpect = z.infer<typeof FrameExpectSchema>;

export const RtsockExpectSchema = z.union([
  z.string(),
  z.strictObject({
    type: z.string(),
    absent: z.boolean().optional(),
    /** Any address carried in the message equals this one (dst for RTM_ADD, ifa for RTM_NEWADDR). */
    addr: ipv4.optional(),
    ifname: z.string().optional(),
    /** rtm_flags/ifam_flags names that must be set / clear ("PINNED", "UP"). */
    flags: z.array(z.string()).optional(),
    noflags: z.array(z.string()).optional(),
    /** Address slots as decoded text: { gateway: "10.0.0.2" }, { dst: "10.0.0.0" }. */
    slots: z.record(z.string(), z.string()).optional(),
  }),
]);
export type RtsockExpect = z.infer<typeof RtsockExpectSchema>;

/** A sysctl read back at the step's checkpoint: its value by the sysctl's type, or its bytes. */
export const SysctlExpectSchema = z.strictObject({
  name: z.string().min(1),
  /** A number, for a sysctl whose type is known (src/harness/sysctl-types.ts), or { hex }. */
  value: z.union([z.number().int(), z.strictObject({ hex: HexString })]),
});
export type SysctlExpect = z.infer<typeof SysctlExpectSchema>;

/** What an ioctl copied out (or a sysctl's old value): whole bytes, or the ifreq's ifr_addr. */
export const DataExpectSchema = z.strictObject({
  /** The whole struct as lowercase hex. */
  hex: HexString.optional(),
  /** ifreq ifr_addr (bytes 16..31) field by field; unspecified fields are not checked. */
  ifr_addr: z
    .strictObject({
      addr: ipv4.optional(),
      len: z.number().int().min(0).max(255).optional(),
      family: z.number().int().min(0).max(255).optional(),
    })
    .optional(),
});
export type DataExpect = z.infer<typeof DataExpectSchema>;

export const ExpectSchema = z.strictObject({
  /** "OK", an errno name ("EEXIST") or its number. */
  errno: z.union([z.string(), z.number().int()]).optional(),
  routes: z.array(RouteExpectSchema).optional(),
  arp: z.array(ArpExpectSchema).optional(),
  addrs: z.array(AddrExpectSchema).optional(),
  groups: z.array(GroupExpectSchema).optional(),
  /** Frames emitted during the step that must be there; [] means none at all. */
  frames: z.array(FrameExpectSchema).optional(),
  /** Routing messages this step caused, in order (other messages may come between); with
   * { exactly: [...] }, those and no others, in that order. */
  rtsock: z
    .union([z.array(RtsockExpectSchema), z.strictObject({ exactly: z.array(RtsockExpectSchema) })])
    .optional(),
  /** The bytes the step returned (ioctl copyout, sysctl old value). */
  data: DataExpectSchema.optional(),
  /** Sysctls read back (as root) right after the step. */
  sysctls: z.array(SysctlExpectSchema).optional(),
  /** The modelled kernel panics on this step (the twin's KernelPanic); later steps never run. */
  panic: z.literal(true).optional(),
});
export type Expect = z.infer<typeof ExpectSchema>;

const stepBase = {
  /** Why this step is here; shown in reports. */
  note: z.string().optional(),
  as: CredSchema.optional(),
  expect: ExpectSchema.optional(),
};

export const FrameSpecSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("hex"), hex: HexString }),
  z.strictObject({
    kind: z.literal("arp-request"),
    src_mac: mac,
    src_ip: ipv4,
    target_ip: ipv4,
  }),
  z.strictObject({
    kind: z.literal("arp-reply"),
    src_mac: mac,
    src_ip: ipv4,
    dst_mac: mac,
    dst_ip: ipv4,
  }),
  z.strictObject({ kind: z.literal("garp"), src_mac: mac, ip: ipv4 }),
  z.strictObject({
    kind: z.literal("icmp-echo"),
    src_mac: mac,
    dst_mac: mac,
    src_ip: ipv4,
    dst_ip: ipv4,
    id: z.number().int().min(0).max(65535).optional(),
    seq: z.number().int().min(0).max(65535).optional(),
  }),
  z.strictObject({
    kind: z.literal("igmp-report"),
    src_mac: mac,
    src_ip: ipv4,
    group: ipv4,
  }),
  z.strictObject({
    kind: z.literal("udp"),
    src_mac: mac,
    dst_mac: mac,
    src_ip: ipv4,
    dst_ip: ipv4,
    src_port: z.number().int().min(0).max(65535),
    dst_port: z.number().int().min(0).max(65535),
    payload: HexString.optional(),
  }),
]);
export type FrameSpec = z.infer<typeof FrameSpecSchema>;

export const StepSchema = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("ioctl"),
    /** A sockio.h name ("SIOCAIFADDR") or the command number. */
    cmd: z.union([z.string(), z.number().int()]),
    ifname: IfnameSpecSchema.optional(),
    args: IoctlArgsSchema.optional(),
    /** The whole argument struct as hex, for malformed input; excludes ifname/args. */
    hex: HexString.optional(),
    ...stepBase,
  }),
  z.strictObject({
    op: z.literal("ifflags"),
    ifname: IfnameSpecSchema,
    /** IFF_ names to set and to clear, e.g. set: ["IFF_UP"]. */
    set: z.array(z.string()).default([]),
    clear: z.array(z.string()).default([]),
    ...stepBase,
  }),
  z.strictObject({ op: z.literal("ifcreate"), ifname: z.string(), ...stepBase }),
  z.strictObject({ op: z.literal("ifdestroy"), ifname: IfnameSpecSchema, ...stepBase }),
  z.strictObject({
    op: z.literal("sysctl"),
    name: z.string().min(1),
    /** New value: an int, or raw bytes as { hex }. */
    value: z.union([z.number().int(), z.strictObject({ hex: HexString })]).optional(),
    ...stepBase,
  }),
  z.strictObject({
    op: z.literal("route"),
    /** RTM_ADD, RTM_DELETE, RTM_CHANGE, RTM_GET; ignored with hex. */
    type: z.enum(["RTM_ADD", "RTM_DELETE", "RTM_CHANGE", "RTM_GET"]).optional(),
    dst: ipv4Prefix.optional(),
    gateway: ipv4.optional(),
    /** A link-level gateway (as `arp -s` sends), with ifname naming the interface. */
    lladdr: mac.optional(),
    ifname: IfnameSpecSchema.optional(),
    /** RTF_ names; `route add` and `arp -s` add RTF_UP|RTF_STATIC and so on themselves. */
    flags: z.array(z.string()).optional(),
    /** The whole message as hex (rt_msghdr onwards), for malformed input. */
    hex: HexString.optional(),
    ...stepBase,
  }),
  z.strictObject({ op: z.literal("inject"), ifname: z.string(), frame: FrameSpecSchema, ...stepBase }),
  z.strictObject({ op: z.literal("sleep"), seconds: z.number().nonnegative(), ...stepBase }),
  z.strictObject({ op: z.literal("observe"), label: z.string().optional(), ...stepBase }),
]);
export type Step = z.infer<typeof StepSchema>;
export type StepKind = Step["op"];

export const NicSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z]+[0-9]+[ab]?$/, { message: "expected an interface name like vtnet1" }),
    driver: z.enum(["vtnet", "epair", "tun"]),
    /** Ethernet NICs (vtnet, epair) only; tun has no link-level address. */
    mac: mac.optional(),
  })
  .refine((n) => (n.driver === "tun") === (n.mac === undefined), {
    message: "vtnet and epair NICs need a mac; tun takes none",
    path: ["mac"],
  });
export type Nic = z.infer<typeof NicSchema>;

export const ProgramSchema = z
  .strictObject({
    format: z.literal(PROGRAM_FORMAT),
    /** "family/name", unique across suites. */
    id: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-/]+$/, { message: 'expected "family/name" in lowercase' }),
    title: z.string().min(1),
    family: z.string().min(1),
    /** Where the expected behaviour comes from: "in.c:in_aifaddr_ioctl", a FreeBSD test case... */
    cites: z.array(z.string()),
    nics: z.array(NicSchema),
    modules: z.array(z.enum(["carp"])).optional(),
    /** Set before the first step; ints only (e.g. net.link.ether.inet.max_age). */
    sysctls: z.record(z.string(), z.number().int()).optional(),
    steps: z.array(StepSchema),
  })
  // Names that mean nothing (a misspelt field, an undeclared interface) are errors, not
  // checks that pass because nothing can match them.
  .superRefine((p, ctx) => {
    for (const issue of checkProgram(p)) ctx.addIssue({ code: "custom", ...issue });
  });
export type Program = z.infer<typeof ProgramSchema>;

/** A problem in a program file, located as file:step:field. */
export class ProgramError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: invalid program\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ProgramError";
  }
}

/** "steps[3] (ioctl): args.addr: expected a dotted quad" from a zod issue path. */
function locateIssue(input: unknown, path: readonly PropertyKey[], message: string): string {
  if (path[0] === "steps" && typeof path[1] === "number") {
    const steps = (input as { steps?: unknown[] }).steps;
    const step = Array.isArray(steps) ? steps[path[1]] : undefined;
    const op = typeof step === "object" && step !== null && "op" in step ? String(step.op) : "?";
    const field = path.slice(2).map(String).join(".");
    return `step ${path[1]} (${op})${field ? `: ${field}` : ""}: ${message}`;
  }
  return `${path.length ? path.map(String).join(".") : "(top level)"}: ${message}`;
}

/** Validates `input` as a Program; throws ProgramError naming `file`, step and field. */
export function parseProgram(input: unknown, file: string): Program {
  const r = ProgramSchema.safeParse(input);
  if (r.success) return r.data;
  throw new ProgramError(
    file,
    r.error.issues.map((i) => locateIssue(input, i.path, i.message)),
  );
}

export async function loadProgramFile(file: string): Promise<Program> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new ProgramError(file, [`cannot read: ${(e as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProgramError(file, [`not JSON: ${(e as Error).message}`]);
  }
  return parseProgram(json, file);
}
