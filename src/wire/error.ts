// The error value every wire parser returns instead of throwing on short or malformed bytes.

export interface WireError {
  readonly kind: "wire-error";
  /** The format being read, e.g. "ipv4" or "igmp v3 report". */
  readonly layer: string;
  /** Byte offset, relative to the start of the bytes handed to that parser. */
  readonly offset: number;
  readonly message: string;
}

export function wireError(layer: string, offset: number, message: string): WireError {
  return { kind: "wire-error", layer, offset, message };
}

export function isWireError(x: unknown): x is WireError {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "wire-error";
}

export function formatWireError(e: WireError): string {
  return `${e.layer} at byte ${e.offset}: ${e.message}`;
}

/** Error value when `bytes` is shorter than `need`; null when it is long enough. */
export function needBytes(layer: string, bytes: Uint8Array, need: number): WireError | null {
  if (bytes.length >= need) return null;
  return wireError(layer, bytes.length, `truncated: needs ${need} bytes, ${bytes.length} available`);
}

/** Lower-case hex of bytes, no separators (used by JSON output and messages). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

// Kernel modules import the DataView helper from here; the one implementation lives in src/abi.
export { viewOf } from "../abi/decode.ts";
