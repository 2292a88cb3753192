// struct sockaddr_dl of 10.4 sys/net/if_dl.h as a fixed 54-byte struct (its sizeof), for
// places that copy the whole struct (in.c's in_lltable_dump writes sizeof(struct sockaddr_dl)).
// Variable-length sockaddr_dl inside routing messages goes through socket.ts decodeSockaddr.

import { checkLength, hexBytes, outputBuffer, type DecodeError } from "./decode.ts";
import {
  AF_LINK,
  LLADDR,
  SOCKADDR_DL_SIZE,
  encodeSockaddr,
  sdlName,
  sockaddrDlFromImage,
  type SockaddrDl,
} from "./socket.ts";

export { LLADDR, SDL_DATA_OFFSET, SOCKADDR_DL_SIZE, sdlName, sockaddrDl } from "./socket.ts";

export const SOCKADDR_DL_OFFSETS = {
  sdl_len: 0,
  sdl_family: 1,
  sdl_index: 2,
  sdl_type: 4,
  sdl_nlen: 5,
  sdl_alen: 6,
  sdl_slen: 7,
  sdl_data: 8,
} as const;
/** sdl_data[46]: the minimum work area. */
export const SDL_DATA_SIZE = 46;

/** Decodes the 54-byte struct; sdl_data is all 46 bytes whatever sdl_len says. */
export function decodeSockaddrDl(bytes: Uint8Array, offset = 0): SockaddrDl | DecodeError {
  const short = checkLength("sockaddr_dl", bytes, offset, SOCKADDR_DL_SIZE);
  if (short !== null) return short;
  return sockaddrDlFromImage(bytes.subarray(offset, offset + SOCKADDR_DL_SIZE));
}

/** Encodes the 54-byte struct: header, then sdl_data cut or zero-padded to 46 bytes. */
export function encodeSockaddrDl(sdl: SockaddrDl, into?: Uint8Array, offset = 0): Uint8Array {
  const out = outputBuffer("sockaddr_dl", SOCKADDR_DL_SIZE, into, offset);
  const data = new Uint8Array(SDL_DATA_SIZE);
  data.set(sdl.sdl_data.subarray(0, SDL_DATA_SIZE));
  const image = encodeSockaddr({ ...sdl, sdl_len: SOCKADDR_DL_SIZE, sdl_data: data });
  image[0] = sdl.sdl_len & 0xff;
  out.set(image, offset);
  return out;
}

/** Colon-separated hex of a link address: "52:54:00:12:34:56". */
export function formatLladdr(a: Uint8Array): string {
  return hexBytes(a, ":");
}

/** "link#2 vtnet0 52:54:00:12:34:56" (name and address only when present). */
export function formatSockaddrDl(sdl: SockaddrDl): string {
  const parts = [`link#${sdl.sdl_index}`];
  if (sdl.sdl_nlen > 0) parts.push(sdlName(sdl));
  if (sdl.sdl_alen > 0) parts.push(formatLladdr(LLADDR(sdl)));
  if (sdl.sdl_family !== AF_LINK) parts.push(`family ${sdl.sdl_family}`);
  return parts.join(" ");
}
