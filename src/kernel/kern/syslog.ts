// The kernel message buffer (10.4 kern/subr_prf.c log()): what the twin would have logged,
// kept per VNET so a test or a report can show it. Nothing reads it back into behaviour.

import { VNET, VNET_DEFINE } from "../net/vnet.ts";

// sys/syslog.h priorities
export const LOG_ERR = 3;
export const LOG_WARNING = 4;
export const LOG_NOTICE = 5;
export const LOG_INFO = 6;
export const LOG_DEBUG = 7;

export interface LogLine {
  pri: number;
  msg: string;
}

/** Lines logged in the current VNET, oldest first. */
export const msgbuf = VNET_DEFINE<LogLine[]>("msgbuf", () => []);

// subr_prf.c: log
export function log(pri: number, msg: string): void {
  VNET(msgbuf).push({ pri, msg });
}

/** Console printf(9): recorded in the same buffer, with no priority. */
export const LOG_PRINTF = -1;

// subr_prf.c: printf (kernel)
export function printf(msg: string): void {
  log(LOG_PRINTF, msg);
}
