// The `inconf` command. Exit codes: 0 pass, 1 failures or unknown divergences, 2 usage or
// input errors, 3 backend unavailable (docs/cli.md). Subcommands load their code on demand,
// so `inconf --help` does not load the twin. runCli is the whole command as a function: the
// bin calls it with the process's streams, tests in-process with collectors (no tsx start-up
// per case).

import { pathToFileURL } from "node:url";
import { Command, CommanderError, Option } from "commander";
import type { CommonOptions, ShowOptions } from "./commands.ts";
import { EXIT, type ExitCode, type Io } from "./exit.ts";
import { registerExploreCommand } from "./explore.ts";
import { registerVmCommands } from "./vm.ts";

const commands = () => import("./commands.ts");

const EXAMPLES = `
Examples:
  $ inconf run                                   every scenario on the twin (the main job)
  $ inconf run addr --verbose                    the addr family, with details for passes too
  $ inconf run --backend freebsd --release 10.4-RELEASE --save-traces reference/10.4-RELEASE
                                                 record reference traces on a real FreeBSD VM
  $ inconf diff --a twin --b replay:10.4-RELEASE --report out/diff.html --pcap-dir out/pcap
                                                 diff the twin against recorded FreeBSD traces
  $ inconf show arp/answer-request               one scenario op by op, frames decoded
  $ inconf show addr/replace --program > p.json  export a scenario as a program file...
  $ inconf exec p.json                           ...and run that file

Exit codes: 0 pass (or only catalogued divergences), 1 failures or unknown divergences,
2 usage or input errors, 3 backend unavailable.`;

function accelOption(): Option {
  return new Option(
    "--accel <accel>",
    "freebsd: QEMU accelerator (default tcg for freebsd:10.4*; for images kvm when usable and not nested)",
  ).choices(["kvm", "tcg"]);
}

function outputOptions(cmd: Command): Command {
  return (
    cmd
      .option("--filter <pattern>", "only scenarios whose id matches (glob, family prefix or substring)")
      .option("--release <release>", "FreeBSD release for replay/freebsd, e.g. 10.4-RELEASE")
      .option(
        "--image <file>",
        "freebsd: boot this local image (qcow2/raw, .xz ok) instead of downloading the release's",
      )
      .addOption(accelOption())
      .option("--reference-dir <dir>", "where reference traces and divergences.yaml live", "reference")
      .option("--json", "print the JSON report (inconf-report/1) instead of text")
      .option("--junit <file>", "also write JUnit XML")
      .option("--report <file>", "also write a Markdown (.md) or HTML (.html) report")
      .option("--pcap-dir <dir>", "write <dir>/<scenario>/<backend>/<ifname>.pcap")
      .option("--save-traces <dir>", "write each raw trace to <dir>/<scenario>.trace.json")
      .option("-v, --verbose", "show findings and details for passing scenarios too")
      // picocolors reads --no-color from argv itself; declared so commander accepts it.
      .option("--no-color", "plain text (also NO_COLOR=1)")
  );
}

function showOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--backend <backend>", "twin, replay:<release> or freebsd").default("twin"))
    .option("--release <release>", "FreeBSD release for replay/freebsd")
    .option("--image <file>", "freebsd: boot this local image instead of downloading the release's")
    .addOption(accelOption())
    .option("--reference-dir <dir>", "where reference traces and divergences.yaml live", "reference")
    .option("--json", "print program, ops, raw trace and observations as JSON")
    .option("--ops", "print only the lowered ops (what a backend executes), without running")
    .option("--program", "print only the program JSON (inconf-program/1), without running")
    .option("--trace-out <file>", "write the raw trace here")
    .option("-v, --verbose", "every decoded field of every frame")
    .option("--no-color", "plain text (also NO_COLOR=1)");
}
export function buildCli(setCode: (c: ExitCode) => void, io: Io): Command {
  const program = new Command("inconf")
    .description("Check FreeBSD's IPv4 address layer (sys/netinet/in.c) against its executable twin.")
    .addHelpText("after", EXAMPLES)
    .showHelpAfterError("(run with --help for usage and examples)")
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    // Before the subcommands are added, so they inherit these: usage errors become exit 2 in
    // runCli, and help and errors go to io.
    .exitOverride();

  program
    .command("list")
    .description("list scenarios: id, number of steps, title")
    .argument("[targets...]", "program files, folders, suite modules or scenario ids/patterns")
    .option("--filter <pattern>", "only ids matching")
    .option("--json", "print JSON")
    .action(async (targets: string[], o: { filter?: string; json?: boolean }) => {
      setCode(await (await commands()).listCommand(targets, o, io));
    });

  outputOptions(
    program
      .command("run")
      .description("run scenarios on one backend and check their expectations")
      .argument(
        "[targets...]",
        "program files, folders, suite modules or scenario ids/patterns (default: all)",
      )
      .addOption(
        new Option(
          "--backend <backend>",
          "twin, replay (with --release), replay:<release> or freebsd",
        ).default("twin"),
      ),
  ).action(async (targets: string[], o: CommonOptions & { backend: string }) =>
    setCode(await (await commands()).runCommand(targets, o, io)),
  );

  outputOptions(
    program
      .command("diff")
      .description("run scenarios on two backends and diff what they did")
      .argument(
        "[targets...]",
        "program files, folders, suite modules or scenario ids/patterns (default: all)",
      )
      .requiredOption("--a <backend>", "left side, e.g. twin")
      .requiredOption("--b <backend>", "right side, e.g. replay:10.4-RELEASE"),
  ).action(async (targets: string[], o: CommonOptions & { a: string; b: string }) =>
    setCode(await (await commands()).diffCommand(targets, o, io)),
  );

  showOptions(
    program
      .command("show")
      .description("run one scenario and show it op by op")
      .argument("<scenario>", "a scenario id"),
  ).action(async (id: string, o: ShowOptions) => setCode(await (await commands()).showCommand(id, o, io)));

  showOptions(
    program
      .command("exec")
      .description("run a program file (inconf-program/1) and show it op by op")
      .argument("<file>", "program JSON"),
  ).action(async (file: string, o: ShowOptions) =>
    setCode(await (await commands()).execCommand(file, o, io)),
  );

  registerVmCommands(program, setCode); // vm list|fetch|check, record (src/cli/vm.ts)
  registerExploreCommand(program, setCode, io); // explore (src/cli/explore.ts)

  return program;
}

export async function runCli(argv: readonly string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const cli = buildCli((c) => (code = c), io);
  try {
    await cli.parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return (await commands()).failure(e, io);
  }
  return code;
}

/** The process's entry (bin/inconf.js, or `tsx src/cli/main.ts`): sets the exit code. */
export async function main(): Promise<void> {
  // `inconf list | head` closes the pipe early: stop quietly, as Unix tools do.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
