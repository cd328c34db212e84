/**
 * The common ground of the `multitask` command's programs: each program declares its
 * arguments and options on a commander `Command` next to its run logic, and runs through
 * {@link runProgram}, so that every level behaves alike: `--help` prints that level's help
 * and runs nothing (exit 0); an unknown or malformed flag, a missing or extra argument print
 * one `error: ...` line and one usage line on the error stream, never a stack trace, and exit
 * with {@link EXIT_USAGE}.
 *
 * It lives below the programs' folders (the examples and `distributed/worker-cli.ts` both use
 * it) and is loaded only by them: the library itself does not import commander.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';

export { Command, InvalidArgumentError, Option } from 'commander';

/** Writes one line (without its newline). */
export type Write = (line: string) => void;

/** Where a program prints: its output and its errors, a line at a time. */
export interface CommandIO {
  readonly out: Write;
  readonly err: Write;
}

/** The exit code of bad arguments, as in Python's argparse and most Unix tools. */
export const EXIT_USAGE = 2;

/** The exit code each run's action returned, by the run's top command. */
const exitCodes = new WeakMap<Command, number>();

function topOf(command: Command): Command {
  let top = command;
  while (top.parent !== null) top = top.parent;
  return top;
}

/**
 * Makes `run` the action of `command`: it gets the command itself (its `processedArgs` and
 * `opts()` are parsed and checked by then) and returns the program's exit code.
 */
export function onRun(command: Command, run: (self: Command) => number | Promise<number>): Command {
  return command.action(async (...args: unknown[]) => {
    const self = args.at(-1) as Command;
    exitCodes.set(topOf(self), await run(self));
  });
}

/**
 * Refuses the arguments from inside an action, as the parser refuses a bad flag: one
 * `error: ...` line, the usage line, exit code {@link EXIT_USAGE}.
 */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT_USAGE, code: 'multitask.usage' });
}

/**
 * Makes `command`, a command of subcommands, refuse a missing or unknown subcommand in one
 * line (as a bad flag is) rather than print its whole help; `noun` names what is expected.
 */
export function requireSubcommand(command: Command, noun: string): Command {
  // A word that is no subcommand's (or none) comes to this action.
  command.allowExcessArguments(true);
  return onRun(command, (self) => {
    const names = self.commands.map((sub) => sub.name()).join(', ');
    const [name] = self.args;
    usageError(
      self,
      name === undefined
        ? `missing the ${noun}: one of ${names}`
        : `unknown ${noun} '${name}': one of ${names}`,
    );
  });
}

/** `1_000_000` and, with `suffixes`, `8K`, `8M`, `1G` (powers of 1024). */
const INTEGER = /^(\d+)$/;
const SCALED = /^(\d+)([KMG]?)$/i;
const SCALE: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/**
 * A parser of an integer option from `min` to `max` (for commander's `.option(flags,
 * description, parser)`): underscores may group digits (`20_000_000`); with `suffixes`, K, M
 * and G multiply by powers of 1024. A bad value is refused with the range it must be in.
 */
export function integer(
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
  options: { readonly suffixes?: boolean } = {},
): (text: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} up` : `from ${min} to ${max}`;
  return (text) => {
    const match = (options.suffixes === true ? SCALED : INTEGER).exec(text.replaceAll('_', ''));
    const value =
      match === null ? Number.NaN : Number(match[1]) * (SCALE[(match[2] ?? '').toUpperCase()] ?? 1);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`Expected an integer ${range}.`);
    }
    return value;
  };
}

/** A parser of a number of seconds above 0 (fractions allowed). */
export function positiveSeconds(text: string): number {
  const value = /^\d+(\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0 && Number.isFinite(value))) {
    throw new InvalidArgumentError('Expected a positive number of seconds.');
  }
  return value;
}

/** Gives `command` and all its subcommands the common behaviour, printing on `io`. */
function configure(command: Command, io: CommandIO, path: string): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        io.out(text.replace(/\n$/, ''));
      },
      writeErr: (text) => {
        io.err(text.replace(/\n$/, ''));
      },
      // commander puts its "(Did you mean --n?)" on a line of its own: one line in all.
      outputError: (text, write) => {
        write(text.replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)'));
      },
    })
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .showHelpAfterError(`usage: ${path} ${command.usage()}  (\`${path} --help\` explains)`);
  if (command.commands.length > 0)
    command.helpCommand('help [command]', 'show the help of a command');
  for (const sub of command.commands) configure(sub, io, `${path} ${sub.name()}`);
}

/**
 * Parses `argv` (the words after the program's name) with `program` and runs the action it
 * selects; returns the exit code: the action's, 0 after `--help` or `--version`, or
 * {@link EXIT_USAGE} for bad arguments. Errors of the actions themselves propagate.
 */
export async function runProgram(
  program: Command,
  argv: readonly string[],
  io: CommandIO,
): Promise<number> {
  configure(program, io, program.name());
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    throw error;
  }
  return exitCodes.get(program) ?? 0;
}

/**
 * Runs one program of `multitask` on its own, as `multitask NAME ...argv` would: `build`
 * declares it (its usage lines then read `multitask NAME ...`).
 */
export function runSubprogram(
  build: () => Command,
  argv: readonly string[],
  io: CommandIO,
): Promise<number> {
  const sub = build();
  const program = new Command('multitask').addCommand(sub);
  return runProgram(program, [sub.name(), ...argv], io);
}
