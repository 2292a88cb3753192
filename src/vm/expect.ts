// A small expect-style state machine over a console: each state waits for the first of its
// rules' patterns, types that rule's answer and moves on. Provisioning FreeBSD (loader prompt,
// login, typed commands) and logging into the Linux test guest are both written as such scripts,
// so the same engine is unit-tested on synthetic transcripts and run against real consoles.

import { consoleTail, ConsoleTimeoutError, type ConsoleLike } from "./console.ts";

export interface Rule {
  on: RegExp;
  /** Text typed when the rule fires. */
  send?: string;
  /** Next state, "done" to finish; with `fail` set the script stops with that message. */
  next?: string;
  fail?: string;
}

export interface State {
  /** Text typed when entering the state (before waiting). */
  enter?: string;
  rules: Rule[];
  timeoutMs: number;
}

export interface Script {
  start: string;
  states: Record<string, State>;
}

export interface RunResult {
  /** State names in the order visited. */
  trail: string[];
  /** Console offset after the last match. */
  end: number;
}

export class ScriptError extends Error {
  constructor(
    readonly state: string,
    message: string,
  ) {
    super(message);
    this.name = "ScriptError";
  }
}

/** Runs `script` on the console, starting to look at text from offset `from`. */
export async function runScript(
  console: ConsoleLike,
  script: Script,
  opts: { from?: number; log?: (line: string) => void; maxSteps?: number } = {},
): Promise<RunResult> {
  let at = opts.from ?? 0;
  let name = script.start;
  const trail: string[] = [];
  const maxSteps = opts.maxSteps ?? 200; // bounded: a script that loops forever is a bug
  for (let step = 0; step < maxSteps; step++) {
    if (name === "done") return { trail, end: at };
    const state = script.states[name];
    if (!state) throw new ScriptError(name, `provisioning script has no state "${name}"`);
    trail.push(name);
    opts.log?.(`state ${name}`);
    if (state.enter !== undefined) console.write(state.enter);
    const any = new RegExp(state.rules.map((r) => `(?:${r.on.source})`).join("|"));
    let found;
    try {
      found = await console.waitFor(any, state.timeoutMs, at);
    } catch (e) {
      if (e instanceof ConsoleTimeoutError) {
        throw new ScriptError(
          name,
          `provisioning stuck in state "${name}" (waiting for ${state.rules.map((r) => r.on).join(" or ")}) ` +
            `for ${(state.timeoutMs / 1000).toFixed(0)} s; last console output:\n${e.tail}`,
        );
      }
      throw e;
    }
    const matched = found.match[0];
    const rule = state.rules.find((r) => new RegExp(r.on.source, r.on.flags.replace("g", "")).test(matched));
    if (!rule) throw new ScriptError(name, `internal: no rule matched "${matched}"`);
    at = found.end;
    if (rule.fail !== undefined) {
      throw new ScriptError(
        name,
        `provisioning failed in state "${name}": ${rule.fail}; last console output:\n${consoleTail(console.text)}`,
      );
    }
    if (rule.send !== undefined) console.write(rule.send);
    name = rule.next ?? "done";
  }
  throw new ScriptError(name, `provisioning script did not finish within ${maxSteps} steps`);
}

let markerSeq = 0;

/**
 * A state that types one shell command and waits for its exit status. The marker is printed by
 * the shell (`$?` expands only in the output, never in the echo of the typed line), and a
 * per-command number keeps late output of an earlier command from matching.
 */
export function shellCommand(command: string, next: string, timeoutMs: number): State {
  const n = ++markerSeq;
  return {
    enter: `${command}; echo __INCONF_${n}_RC_$?__\r`,
    rules: [
      { on: new RegExp(`__INCONF_${n}_RC_0__`), next },
      { on: new RegExp(`__INCONF_${n}_RC_[1-9][0-9]*__`), fail: `command failed: ${command}` },
    ],
    timeoutMs,
  };
}

/** Chains shell commands into states named prefix0..N, the last one going to `next`. */
export function shellSequence(
  prefix: string,
  commands: { cmd: string; timeoutMs: number }[],
  next: string,
): Record<string, State> {
  const states: Record<string, State> = {};
  commands.forEach((c, i) => {
    states[`${prefix}${i}`] = shellCommand(
      c.cmd,
      i + 1 < commands.length ? `${prefix}${i + 1}` : next,
      c.timeoutMs,
    );
  });
  return states;
}
