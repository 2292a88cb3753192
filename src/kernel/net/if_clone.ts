// Interface cloners (10.4 sys/net/if_clone.c): pseudo-interface drivers register a cloner; each
// VNET gets its own instance of every registered cloner (V_if_cloners). Simple cloners name
// units <name><n> and pre-create their first ifc_minifs units (lo0); advanced ones (epair)
// match and create names themselves.

import { EEXIST, EFAULT, EINVAL, ENOSPC, ENXIO, EOPNOTSUPP } from "../../abi/errno.ts";
import { IFNAMSIZ, IF_MAXUNIT } from "../../abi/if.ts";
import { getI32, readCString, setU32, writeCString } from "../../abi/decode.ts";
import { KASSERT } from "../kern/invariant.ts";
import { if_rele, ifunit, ifunit_ref } from "./if.ts";
import type { ifnet } from "./if_var.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET, VNET_DEFINE } from "./vnet.ts";

/** A cloner's create routine; `name` holds the requested name and returns the one made. */
export type ifc_create_t = (ifc: if_clone, name: { value: string }, params: Uint8Array | null) => number;

export interface if_clone_simple_ops {
  kind: "simple";
  ifc_name: string;
  /** Units made when the cloner is attached, and that cannot be destroyed. */
  ifc_minifs: number;
  ifcs_create: (ifc: if_clone, unit: number, params: Uint8Array | null) => number;
  ifcs_destroy: (ifp: ifnet) => void;
}

export interface if_clone_advanced_ops {
  kind: "advanced";
  ifc_name: string;
  ifc_maxunit: number;
  ifc_match: (ifc: if_clone, name: string) => boolean;
  ifc_create: ifc_create_t;
  ifc_destroy: ((ifc: if_clone, ifp: ifnet) => number) | null;
}

export type if_clone_ops = if_clone_simple_ops | if_clone_advanced_ops;

// if_clone.c: struct if_clone (one per VNET)
export interface if_clone {
  readonly ops: if_clone_ops;
  readonly ifc_name: string;
  readonly ifc_maxunit: number;
  /** Units handed out (the unr allocator). */
  readonly ifc_units: Set<number>;
  /** Interfaces made by this cloner. */
  readonly ifc_iflist: ifnet[];
}

const templates: if_clone_ops[] = [];

/** Drivers register here at load; every VNET then attaches its own instance (VNET_SYSINIT). */
export function if_clone_register(ops: if_clone_ops): void {
  if (!templates.some((t) => t.ifc_name === ops.ifc_name)) templates.push(ops);
}

const V_if_cloners = VNET_DEFINE<if_clone[]>("if_cloners", () => []);

/**
 * if_clone.c: if_clone_attach (if_clone_simple/if_clone_advanced) for every registered cloner
 * not yet attached in this VNET; a simple cloner then creates its first ifc_minifs units.
 */
export function if_clone_attach_all(): void {
  const list = VNET(V_if_cloners);
  for (const ops of templates) {
    if (list.some((c) => c.ifc_name === ops.ifc_name)) continue;
    const ifc: if_clone = {
      ops,
      ifc_name: ops.ifc_name,
      ifc_maxunit: ops.kind === "simple" ? IF_MAXUNIT : ops.ifc_maxunit,
      ifc_units: new Set(),
      ifc_iflist: [],
    };
    list.unshift(ifc);
    if (ops.kind === "simple") {
      for (let unit = 0; unit < ops.ifc_minifs; unit++) {
        const name = { value: `${ops.ifc_name}${unit}` };
        const err = if_clone_createif(ifc, name, null);
        KASSERT(err === 0, `if_clone_simple: creating ${name.value} failed: ${err}`);
      }
    }
  }
}

// if_clone.c: ifc_name2unit — the unit a name asks for: -1 for none (wildcard), EINVAL if bad.
function ifc_name2unit(name: string, prefix: string): { error: number; unit: number } {
  const rest = name.slice(prefix.length);
  if (rest === "") return { error: 0, unit: -1 };
  if (!/^[0-9]+$/.test(rest) || (rest.length > 1 && rest[0] === "0")) return { error: EINVAL, unit: -1 };
  const unit = Number(rest);
  if (unit > 0x7fffffff) return { error: EINVAL, unit: -1 };
  return { error: 0, unit };
}

// if_clone.c: ifc_simple_match — the cloner's name followed by nothing or digits.
function ifc_simple_match(ifc: if_clone, name: string): boolean {
  if (!name.startsWith(ifc.ifc_name)) return false;
  return /^[0-9]*$/.test(name.slice(ifc.ifc_name.length));
}

/** if_clone.c: ifc_alloc_unit — a wildcard takes the lowest free unit; a named one must be free. */
export function ifc_alloc_unit(ifc: if_clone, want: number): { error: number; unit: number } {
  const wildcard = want < 0;
  let unit = wildcard ? 0 : want;
  for (;;) {
    if (unit > ifc.ifc_maxunit) return { error: ENOSPC, unit };
    if (ifc.ifc_units.has(unit)) {
      if (!wildcard) return { error: EEXIST, unit };
      unit++;
      continue;
    }
    if (ifunit(`${ifc.ifc_name}${unit}`) !== null) {
      if (!wildcard) return { error: EEXIST, unit };
      unit++;
      continue;
    }
    ifc.ifc_units.add(unit);
    return { error: 0, unit };
  }
}

// if_clone.c: ifc_free_unit
export function ifc_free_unit(ifc: if_clone, unit: number): void {
  ifc.ifc_units.delete(unit);
}

// if_clone.c: ifc_simple_create
function ifc_simple_create(ifc: if_clone, name: { value: string }, params: Uint8Array | null): number {
  const ops = ifc.ops;
  KASSERT(ops.kind === "simple", "ifc_simple_create on an advanced cloner");
  const r = ifc_name2unit(name.value, ifc.ifc_name);
  if (r.error) return r.error;
  const a = ifc_alloc_unit(ifc, r.unit);
  if (a.error) return a.error;
  const err = ops.ifcs_create(ifc, a.unit, params);
  if (err !== 0) {
    ifc_free_unit(ifc, a.unit);
    return err;
  }
  name.value = `${ifc.ifc_name}${a.unit}`;
  return 0;
}

// if_clone.c: if_clone_createif — EEXIST if the name is taken; the new interface joins the list.
function if_clone_createif(ifc: if_clone, name: { value: string }, params: Uint8Array | null): number {
  if (ifunit(name.value) !== null) return EEXIST;
  const err =
    ifc.ops.kind === "simple" ? ifc_simple_create(ifc, name, params) : ifc.ops.ifc_create(ifc, name, params);
  if (err === 0) {
    const ifp = ifunit(name.value);
    KASSERT(ifp !== null, `if_clone_createif: lookup failed for ${name.value}`);
    ifc.ifc_iflist.unshift(ifp);
  }
  return err;
}

/**
 * if_clone.c: if_clone_create — EINVAL when no cloner matches the name; the name actually
 * made (for a wildcard request) is written back into the ifreq.
 */
export function if_clone_create(ifr: Uint8Array, len: number, params: Uint8Array | null): number {
  const name = { value: readCString(ifr, 0, len) };
  const ifc = VNET(V_if_cloners).find((c) =>
    c.ops.kind === "simple" ? ifc_simple_match(c, name.value) : c.ops.ifc_match(c, name.value),
  );
  if (ifc === undefined) return EINVAL;
  const err = if_clone_createif(ifc, name, params);
  if (err === 0) writeCString(ifr, 0, Math.min(len, IFNAMSIZ), name.value);
  return err;
}

/**
 * if_clone.c: if_clone_destroyif — the cloner's destroy routine; a simple cloner refuses its
 * first ifc_minifs units (EINVAL).
 */
export function if_clone_destroyif(ifc: if_clone, ifp: ifnet): number {
  const ops = ifc.ops;
  if (ops.kind === "advanced" && ops.ifc_destroy === null) return EOPNOTSUPP;
  const prev = CURVNET_SET(ifp.if_vnet);
  try {
    const at = ifc.ifc_iflist.indexOf(ifp);
    if (at < 0) return ENXIO;
    ifc.ifc_iflist.splice(at, 1);
    let err = 0;
    if (ops.kind === "simple") {
      const unit = ifp.if_dunit;
      if (unit < ops.ifc_minifs) err = EINVAL;
      else {
        ops.ifcs_destroy(ifp);
        ifc_free_unit(ifc, unit);
      }
    } else {
      err = (ops.ifc_destroy as (ifc: if_clone, ifp: ifnet) => number)(ifc, ifp);
    }
    if (err !== 0) ifc.ifc_iflist.splice(at, 0, ifp);
    return err;
  } finally {
    CURVNET_RESTORE(prev);
  }
}

// if_clone.c: if_clone_destroy — ENXIO for an unknown name, EINVAL for one no cloner made.
export function if_clone_destroy(name: string): number {
  const ifp = ifunit_ref(name);
  if (ifp === null) return ENXIO;
  try {
    const ifc = VNET(V_if_cloners).find((c) => c.ifc_name === ifp.if_dname);
    if (ifc === undefined) return EINVAL;
    return if_clone_destroyif(ifc, ifp);
  } finally {
    if_rele(ifp);
  }
}

/**
 * if_clone.c: if_clone_list (SIOCIFGCLONERS on struct if_clonereq: int ifcr_total, int
 * ifcr_count, char *ifcr_buffer). A negative count is EINVAL before anything is written; then
 * ifcr_total is set and min(total, count) names are copied out to ifcr_buffer. Copying none
 * succeeds whatever the pointer (amd64 support.S copyout returns at once for a zero length);
 * copying some faults on NULL, and the twin has no user memory behind any other pointer, so
 * EFAULT, as an unmapped one would be.
 */
export function if_clone_list(ifcr: Uint8Array): number {
  const ifcr_count = getI32(ifcr, 4);
  if (ifcr_count < 0) return EINVAL;
  const total = VNET(V_if_cloners).length;
  const buf_count = Math.min(total, ifcr_count);
  setU32(ifcr, 0, total);
  return buf_count === 0 ? 0 : EFAULT;
}
