/**
 * Simulated coreutils: `mkdir -p [-m MODE]`, `rmdir`, `tee` and `rm -f`, acting on the
 * mount-overlaid tree with GNU coreutils 9.1's messages in the C locale.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { optionValue, parseArgs } from "./argv.ts";
import { ERRNO_TEXT, type FsError, mkdirParents, removeDir, unlink, writeFile } from "./fs_tree.ts";
import { fail, gnuQuote, isUnder, normalizePath, ok, unsupported } from "./paths.ts";
import { chargeWrite } from "./snapshot_commands.ts";
import type { HostState } from "./state.ts";

/** Where systemd unit files live; writing there makes a daemon-reload due. */
export const UNIT_DIR = "/etc/systemd/system";

function shown(error: FsError, normal: string, original: string): string {
  return error.at === normal ? original : error.at;
}

/** `mkdir -p [-m OCTAL] PATH` */
export function mkdirCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("mkdir", args, { "-p": "flag", "-m": "value" }, { min: 1, max: 1 });
  if (!parsed.options.has("-p")) unsupported("mkdir: only mkdir -p is implemented");
  const modeText = optionValue(parsed, "-m");
  if (modeText !== undefined && !/^0?[0-7]{3}$/.test(modeText)) {
    unsupported(`mkdir: mode ${modeText} is not implemented (use three octal digits)`);
  }
  const original = parsed.operands[0];
  const normal = normalizePath(original);
  const error = mkdirParents(state, normal, modeText ? parseInt(modeText, 8) : 0o755);
  if (!error) return ok();
  return fail(
    1,
    `mkdir: cannot create directory ${gnuQuote(shown(error, normal, original))}: ` +
      `${ERRNO_TEXT[error.errno]}\n`,
  );
}

/** `rmdir PATH` */
export function rmdirCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("rmdir", args, {}, { min: 1, max: 1 });
  const original = parsed.operands[0];
  const error = removeDir(state, normalizePath(original));
  if (!error) return ok();
  return fail(1, `rmdir: failed to remove ${gnuQuote(original)}: ${ERRNO_TEXT[error.errno]}\n`);
}

function markUnitChange(state: HostState, normal: string): void {
  if (isUnder(normal, UNIT_DIR)) state.unitFilesChanged = true;
}

/** `tee PATH` with the content on stdin; tee copies stdin to stdout even when the file fails. */
export function teeCommand(
  state: HostState,
  args: readonly string[],
  stdin: string | undefined,
): CommandResult {
  const parsed = parseArgs("tee", args, {}, { min: 1, max: 1 });
  const original = parsed.operands[0];
  const normal = normalizePath(original);
  const content = stdin ?? "";
  const error = writeFile(state, normal, content);
  if (error) {
    const name = /^[\w./+,:@%=-]+$/.test(original) ? original : gnuQuote(original);
    return fail(1, `tee: ${name}: ${ERRNO_TEXT[error.errno]}\n`, content);
  }
  markUnitChange(state, normal);
  chargeWrite(state, normal, content.length);
  return ok(content);
}

/** `rm -f PATH`: a missing path (or a missing directory on the way) is no error. */
export function rmCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("rm", args, { "-f": "flag" }, { min: 1, max: 1 });
  if (!parsed.options.has("-f")) unsupported("rm: only rm -f is implemented");
  const original = parsed.operands[0];
  const normal = normalizePath(original);
  const error = unlink(state, normal);
  if (!error) {
    markUnitChange(state, normal);
    return ok();
  }
  if (error.errno === "ENOENT" || error.errno === "ENOTDIR") return ok();
  return fail(1, `rm: cannot remove ${gnuQuote(original)}: ${ERRNO_TEXT[error.errno]}\n`);
}
