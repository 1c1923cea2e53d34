/**
 * Flag parsing shared by every command: node:util parseArgs in strict mode, with errors that
 * name the bad flag and list the accepted ones (exit code 2 through UsageError).
 */
import { parseArgs as nodeParseArgs } from "node:util";
import { UsageError } from "../core/errors.ts";

export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  doc: string;
  /** shown in --help */
  default?: string | boolean;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** `--flag`'s integer value (`fallback` when absent); a UsageError naming the range otherwise. */
export function intFlag(a: ParsedArgs, flag: string, min: number, max: number, fallback: number): number {
  const raw = a.values[flag] as string | undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be an integer in ${min}..${max}, got '${raw}'`);
  }
  return n;
}

/** Parse `args` against `flags`; unknown flags → UsageError naming them and the accepted ones. */
export function parseFlags(
  command: string,
  args: string[],
  flags: Record<string, FlagSpec>,
  allowPositionals = false,
): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, f] of Object.entries(flags)) {
    // node:util rejects `multiple: undefined`, so only set the keys a flag uses.
    options[name] = {
      type: f.type,
      ...(f.multiple ? { multiple: true } : {}),
      ...(f.short ? { short: f.short } : {}),
    };
  }
  const accepted = Object.keys(flags).map((f) => `--${f}`).join(", ");
  try {
    const { values, positionals } = nodeParseArgs({ args, options, strict: true, allowPositionals });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (e) {
    const msg = (e as Error).message;
    const m = msg.match(/Unknown option '([^']+)'/);
    if (m) throw new UsageError(`${command}: unknown flag ${m[1]} (accepted: ${accepted || "none"})`);
    const p = msg.match(/Unexpected argument '([^']+)'/);
    if (p) throw new UsageError(`${command}: unexpected argument '${p[1]}' (accepted flags: ${accepted})`);
    throw new UsageError(`${command}: ${msg.split("\n")[0]} (accepted flags: ${accepted})`);
  }
}

/** The text of `--help` for a command. */
export function helpText(command: string, summary: string, flags: Record<string, FlagSpec>): string {
  const rows = Object.entries(flags).map(([name, f]) => {
    const flag = `--${name}${f.type === "string" ? " VALUE" : ""}`;
    const def = f.default === undefined ? "" : ` (default: ${f.default})`;
    return `  ${flag.padEnd(26)} ${f.doc}${def}`;
  });
  return `usage: deno task ${command} [flags]\n${summary}\n\n${rows.join("\n")}\n`;
}

/** Run a command's main, turning errors into one line on stderr and an exit code. */
export async function runMain(main: () => Promise<number | void>): Promise<never> {
  try {
    const code = await main();
    Deno.exit(code ?? 0);
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    console.error(`error: ${err.message}`);
    if (Deno.env.get("ALIGNSAM_DEBUG")) console.error(err.stack);
    Deno.exit(err.exitCode ?? 1);
  }
}
