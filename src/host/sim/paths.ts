/**
 * Paths, device names and message quoting shared by the simulated commands, plus the
 * {@link Unsupported} error every command throws for a form it does not implement.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import type { HostState } from "./state.ts";

/** A command form the simulator does not implement; the host turns it into exit code 3. */
export class Unsupported extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "Unsupported";
  }
}

/** Throws {@link Unsupported}. */
export function unsupported(reason: string): never {
  throw new Unsupported(reason);
}

/** A successful result. */
export function ok(stdout = "", stderr = ""): CommandResult {
  return { code: 0, stdout, stderr };
}

/** A failed result. */
export function fail(code: number, stderr: string, stdout = ""): CommandResult {
  return { code, stdout, stderr };
}

/** Prefixes that are kernel-provided trees the simulator does not model as files. */
const VIRTUAL_TREES = ["/dev", "/proc", "/sys", "/run"];

/**
 * Normalises an absolute path lexically (`//`, `.`, `..`, trailing `/`). Relative paths
 * and kernel trees are unsupported: the simulator has no working directory and no /dev.
 */
export function normalizePath(path: string): string {
  if (!path.startsWith("/")) unsupported(`relative path ${JSON.stringify(path)}`);
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  const normal = "/" + parts.join("/");
  if (VIRTUAL_TREES.some((v) => isUnder(normal, v))) {
    unsupported(`${normal} is in a kernel-provided tree the simulator does not model`);
  }
  return normal;
}

/** The components of a normalised path (none for `/`). */
export function components(normal: string): string[] {
  return normal === "/" ? [] : normal.slice(1).split("/");
}

/** True when `path` is `base` or lies beneath it (both normalised). */
export function isUnder(path: string, base: string): boolean {
  return path === base || base === "/" || path.startsWith(base + "/");
}

/** The device-mapper name of an LV: dashes inside each name doubled, joined by a dash. */
export function dmName(vg: string, lv: string): string {
  return `${vg.replaceAll("-", "--")}-${lv.replaceAll("-", "--")}`;
}

/** `/dev/<vg>/<lv>`, as lvs reports lv_path. */
export function lvPath(vg: string, lv: string): string {
  return `/dev/${vg}/${lv}`;
}

/** `/dev/mapper/<dm name>`, as the kernel and findmnt name the device. */
export function mapperPath(vg: string, lv: string): string {
  return `/dev/mapper/${dmName(vg, lv)}`;
}

/** The `vg/lv` key of the active LV a device path names, or undefined. */
export function resolveDevice(state: HostState, device: string): string | undefined {
  for (const [key, lv] of state.lvs) {
    if (!lv.active) continue;
    if (device === lvPath(lv.vg, lv.name) || device === mapperPath(lv.vg, lv.name)) return key;
  }
  return undefined;
}

/**
 * Quotes a file name as GNU coreutils does in the C locale (shell-escape-always):
 * `'name'`, or `"name"` when it holds a single quote.
 */
export function gnuQuote(name: string): string {
  if (!name.includes("'")) return `'${name}'`;
  if (!/["$`\\]/.test(name)) return `"${name}"`;
  return `'${name.replaceAll("'", `'\\''`)}'`;
}
