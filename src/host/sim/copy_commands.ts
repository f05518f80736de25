/**
 * Simulated `cp -a -T SOURCE DEST` (GNU coreutils 9.1): copies the contents of directory
 * SOURCE into the existing directory DEST, merging into directories already there and
 * replacing files, keeping modes; DEST takes SOURCE's mode. Reading a mounted snapshot that
 * has gone invalid fails with an I/O error, as the kernel's dm-snapshot target does.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { parseArgs } from "./argv.ts";
import { ERRNO_TEXT, locate } from "./fs_tree.ts";
import { fail, gnuQuote, isUnder, normalizePath, ok, unsupported } from "./paths.ts";
import type { DirNode, HostState } from "./state.ts";

function merge(into: DirNode, from: DirNode): void {
  into.mode = from.mode;
  for (const [name, node] of from.entries) {
    const there = into.entries.get(name);
    if (node.kind === "dir" && there?.kind === "dir") merge(there, node);
    else into.entries.set(name, structuredClone(node));
  }
}

function readsInvalidSnapshot(state: HostState, path: string): boolean {
  return state.mounts.some((m) =>
    isUnder(path, m.target) && state.lvs.get(m.lv)?.snapshot?.invalid === true
  );
}

/** `cp -a -T SOURCE DEST`, both directories. */
export function cpCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("cp", args, { "-a": "flag", "-T": "flag" }, { min: 2, max: 2 });
  if (!parsed.options.has("-a") || !parsed.options.has("-T")) {
    unsupported("cp: only cp -a -T SOURCE DEST is implemented");
  }
  const [sourceArg, destArg] = parsed.operands;
  const source = locate(state, normalizePath(sourceArg));
  if (source.error || !source.node) {
    return fail(1, `cp: cannot stat ${gnuQuote(sourceArg)}: ${ERRNO_TEXT.ENOENT}\n`);
  }
  if (source.node.kind !== "dir") unsupported("cp: only directories are copied");
  if (readsInvalidSnapshot(state, normalizePath(sourceArg))) {
    return fail(1, `cp: cannot open ${gnuQuote(sourceArg)} for reading: Input/output error\n`);
  }
  const dest = locate(state, normalizePath(destArg));
  if (dest.error || dest.node?.kind !== "dir") {
    unsupported("cp: DEST must be an existing directory");
  }
  const destMount = state.mounts.findLast((m) => m.target === normalizePath(destArg));
  const destReadOnly = destMount ? destMount.readOnly : dest.parentReadOnly;
  if (destReadOnly && source.node.entries.size > 0) {
    const first = [...source.node.entries.keys()][0];
    return fail(
      1,
      `cp: cannot create regular file ${gnuQuote(`${destArg}/${first}`)}: ${ERRNO_TEXT.EROFS}\n`,
    );
  }
  merge(dest.node, source.node);
  return ok();
}
