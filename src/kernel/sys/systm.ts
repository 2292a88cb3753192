// systm.h: bcopy, for the twin's byte arrays.

/**
 * bcopy of `n` bytes of `src` (fewer when it is shorter) to `dst` at `off`. Byte by byte: the
 * first subarray of a small typed array moves its bytes off V8's heap, which costs more than
 * copying a link-level address.
 */
export function bcopy(src: Uint8Array, dst: Uint8Array, off: number, n: number): void {
  const len = Math.min(n, src.length);
  for (let i = 0; i < len; i++) dst[off + i] = src[i];
}
