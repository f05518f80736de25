/**
 * A strict option parser for the simulated commands: every option a command accepts is
 * declared; anything else (unknown options, bundled short flags, repeats of a
 * single-valued option, the wrong number of operands) is {@link Unsupported}.
 *
 * @module
 */

import { unsupported } from "./paths.ts";

/** How an option behaves: a bare flag, one value, or a value that may repeat. */
export type OptionKind = "flag" | "value" | "repeat";

/** Parsed options and operands. */
export interface ParsedArgs {
  /** Values per option name as declared (flags get `""`). */
  options: Map<string, string[]>;
  operands: string[];
}

/**
 * Parses `args` (argv without argv[0]). Long options may be written `--name value` or
 * `--name=value`; short ones `-x value`. `--` ends the options.
 */
export function parseArgs(
  command: string,
  args: readonly string[],
  spec: Record<string, OptionKind>,
  operands: { min: number; max: number },
): ParsedArgs {
  const options = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      rest.push(arg);
      continue;
    }
    let name = arg;
    let inline: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      name = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    }
    const kind = spec[name];
    if (!kind) unsupported(`${command}: option ${arg} is not implemented`);
    let value = "";
    if (kind === "flag") {
      if (inline !== undefined) unsupported(`${command}: ${name} takes no value`);
    } else if (inline !== undefined) {
      value = inline;
    } else {
      if (i + 1 >= args.length) unsupported(`${command}: ${name} needs a value`);
      value = args[++i];
    }
    const seen = options.get(name);
    if (seen && kind !== "repeat") unsupported(`${command}: ${name} given twice`);
    options.set(name, [...(seen ?? []), value]);
  }
  if (rest.length < operands.min || rest.length > operands.max) {
    unsupported(
      `${command}: expected ${
        operands.min === operands.max ? operands.min : `${operands.min}-${operands.max}`
      } ` +
        `operand(s), got ${rest.length}`,
    );
  }
  return { options, operands: rest };
}

/** The single value of an option, or undefined. */
export function optionValue(parsed: ParsedArgs, name: string): string | undefined {
  return parsed.options.get(name)?.[0];
}

/** Requires an option to be present with exactly one of the allowed values. */
export function requireValue(
  command: string,
  parsed: ParsedArgs,
  name: string,
  allowed: readonly string[],
): string {
  const value = optionValue(parsed, name);
  if (value === undefined || !allowed.includes(value)) {
    unsupported(
      `${command}: ${name} must be one of ${allowed.join(", ")} (got ${value ?? "nothing"})`,
    );
  }
  return value;
}
