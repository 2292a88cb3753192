// The scenario builder: suites write steps as calls that read like ifconfig/route/arp usage,
// and get a validated Program back.
//
//   scenario("addr/replace", "Replacing an address", (s) => {
//     s.cite("in.c:in_aifaddr_ioctl");
//     s.nic("vtnet1");
//     s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
//   });

import type { Cred } from "./ops.ts";
import {
  PROGRAM_FORMAT,
  parseProgram,
  type Expect,
  type FrameSpec,
  type IfnameSpec,
  type IoctlArgs,
  type Nic,
  type Program,
  type SinSpec,
  type Step,
} from "./program.ts";

/** A step just added; chain to attach expectations, a credential or a note. */
export class StepHandle {
  constructor(private readonly step: Step) {}

  expect(e: Expect): this {
    this.step.expect = { ...this.step.expect, ...e };
    return this;
  }

  as(cred: Cred): this {
    this.step.as = cred;
    return this;
  }

  note(text: string): this {
    this.step.note = text;
    return this;
  }
}

/** Default MACs: locally administered, one per NIC in declaration order. */
function defaultMac(index: number): string {
  return `02:00:00:00:00:${(index + 1).toString(16).padStart(2, "0")}`;
}

export interface AliasOptions {
  mask?: SinSpec;
  broadaddr?: SinSpec;
  dstaddr?: SinSpec;
  vhid?: number;
}

export class ScenarioBuilder {
  readonly cites: string[] = [];
  readonly nics: Nic[] = [];
  readonly steps: Step[] = [];
  readonly sysctls: Record<string, number> = {};
  readonly modules: "carp"[] = [];

  cite(...sources: string[]): this {
    this.cites.push(...sources);
    return this;
  }

  nic(name: string, opts: { driver?: Nic["driver"]; mac?: string } = {}): this {
    const driver = opts.driver ?? "vtnet";
    this.nics.push(
      driver === "tun" ? { name, driver } : { name, driver, mac: opts.mac ?? defaultMac(this.nics.length) },
    );
    return this;
  }

  /** A sysctl set before the first step (e.g. a short ARP max_age). */
  tune(name: string, value: number): this {
    this.sysctls[name] = value;
    return this;
  }

  withCarp(): this {
    this.modules.push("carp");
    return this;
  }

  add(step: Step): StepHandle {
    this.steps.push(step);
    return new StepHandle(step);
  }

  ioctl(cmd: string | number, ifname: IfnameSpec, args?: IoctlArgs): StepHandle {
    return this.add({ op: "ioctl", cmd, ifname, ...(args && { args }) });
  }

  /** An ioctl with a raw argument struct, for malformed input. */
  ioctlHex(cmd: string | number, hex: string): StepHandle {
    return this.add({ op: "ioctl", cmd, hex });
  }

  /** `ifconfig IF inet ADDR/LEN alias`: SIOCAIFADDR. */
  aifaddr(ifname: IfnameSpec, addr: SinSpec, opts: AliasOptions = {}): StepHandle {
    return this.ioctl("SIOCAIFADDR", ifname, { addr, ...opts });
  }

  /** The 9.x binary's SIOCAIFADDR (struct without ifra_vhid). */
  oaifaddr(ifname: IfnameSpec, addr: SinSpec, opts: Omit<AliasOptions, "vhid"> = {}): StepHandle {
    return this.ioctl("OSIOCAIFADDR", ifname, { addr, ...opts });
  }

  /** `ifconfig IF inet ADDR -alias`: SIOCDIFADDR (ifreq). */
  difaddr(ifname: IfnameSpec, addr: SinSpec): StepHandle {
    return this.ioctl("SIOCDIFADDR", ifname, { addr });
  }

  up(ifname: IfnameSpec): StepHandle {
    return this.add({ op: "ifflags", ifname, set: ["IFF_UP"], clear: [] });
  }

  down(ifname: IfnameSpec): StepHandle {
    return this.add({ op: "ifflags", ifname, set: [], clear: ["IFF_UP"] });
  }

  ifcreate(ifname: string): StepHandle {
    return this.add({ op: "ifcreate", ifname });
  }

  ifdestroy(ifname: IfnameSpec): StepHandle {
    return this.add({ op: "ifdestroy", ifname });
  }

  sysctl(name: string, value?: number): StepHandle {
    return this.add({ op: "sysctl", name, ...(value !== undefined && { value }) });
  }

  /** `route add DST GATEWAY`. */
  routeAdd(dst: string, gateway: string, flags?: string[]): StepHandle {
    return this.add({ op: "route", type: "RTM_ADD", dst, gateway, ...(flags && { flags }) });
  }

  /** `route delete DST`. */
  routeDelete(dst: string): StepHandle {
    return this.add({ op: "route", type: "RTM_DELETE", dst });
  }

  /** `arp -s ADDR MAC` on IFNAME (a static entry). */
  arpSet(ifname: IfnameSpec, addr: string, lladdr: string): StepHandle {
    return this.add({ op: "route", type: "RTM_ADD", dst: addr, lladdr, ifname });
  }

  /** `arp -d ADDR` on IFNAME. */
  arpDelete(ifname: IfnameSpec, addr: string): StepHandle {
    return this.add({ op: "route", type: "RTM_DELETE", dst: addr, ifname });
  }

  inject(ifname: string, frame: FrameSpec): StepHandle {
    return this.add({ op: "inject", ifname, frame });
  }

  sleep(seconds: number): StepHandle {
    return this.add({ op: "sleep", seconds });
  }

  /** A checkpoint: the state is dumped here; attach routes/arp/addrs/groups expectations. */
  observe(label?: string): StepHandle {
    return this.add({ op: "observe", ...(label !== undefined && { label }) });
  }
}

/** Builds and validates a Program; the family is the id's first segment. */
export function scenario(id: string, title: string, body: (s: ScenarioBuilder) => void): Program {
  const s = new ScenarioBuilder();
  body(s);
  return parseProgram(
    {
      format: PROGRAM_FORMAT,
      id,
      title,
      family: id.split("/")[0],
      cites: s.cites,
      nics: s.nics,
      ...(s.modules.length > 0 && { modules: s.modules }),
      ...(Object.keys(s.sysctls).length > 0 && { sysctls: s.sysctls }),
      steps: s.steps,
    },
    `scenario ${id}`,
  );
}
