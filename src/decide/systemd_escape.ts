/**
 * `systemd-escape --path`, re-implemented from the rules of systemd's
 * `unit_name_path_escape`, so unit names can be computed without running a command.
 * A `.mount` unit must be named after its mount point this way, or systemd refuses it.
 *
 * @module
 */

const encoder = new TextEncoder();

// Bytes that stay as they are; everything else (including "-" and "\") becomes \xNN.
const PLAIN = /^[A-Za-z0-9:_.]$/;

/**
 * Escapes an absolute path the way `systemd-escape --path` does: the path is simplified
 * (repeated slashes, trailing slashes and `.` components dropped), the leading slash is
 * removed, `/` becomes `-`, a leading `.` and every byte outside `[A-Za-z0-9:_.]` become
 * `\xNN` (lowercase hex, per UTF-8 byte), and the root directory alone becomes `-`.
 *
 * systemd only warns about empty and relative paths and escapes them anyway; we refuse
 * them, since a mount unit needs an absolute path and the escape must be reversible. Like
 * systemd, we refuse `..` components.
 *
 * @throws {Error} for an empty, relative or non-normalised path, or one with a NUL byte.
 *
 * @example
 * ```ts
 * import { systemdEscapePath } from "./systemd_escape.ts";
 * if (systemdEscapePath("/data/pvc-1") !== "data-pvc\\x2d1") throw new Error();
 * if (systemdEscapePath("/") !== "-") throw new Error();
 * ```
 */
export function systemdEscapePath(path: string): string {
  const shown = JSON.stringify(path);
  if (path === "") throw new Error(`cannot escape an empty path for systemd`);
  if (!path.startsWith("/")) {
    throw new Error(`cannot escape ${shown} for systemd: not an absolute path`);
  }
  if (path.includes("\0")) throw new Error(`cannot escape ${shown} for systemd: it has a NUL byte`);
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new Error(`cannot escape ${shown} for systemd: not a normalized path (has "..")`);
  }
  if (parts.length === 0) return "-";

  let out = "";
  const bytes = encoder.encode(parts.join("/"));
  bytes.forEach((byte, i) => {
    const ch = String.fromCharCode(byte);
    if (ch === "/") out += "-";
    // A leading dot would make a hidden-looking unit file name.
    else if (byte < 0x80 && PLAIN.test(ch) && !(i === 0 && ch === ".")) out += ch;
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  });
  return out;
}

/**
 * The `.mount` unit name systemd requires for a mount point.
 *
 * @example
 * ```ts
 * import { mountUnitName } from "./systemd_escape.ts";
 * if (mountUnitName("/data/pvc-1") !== "data-pvc\\x2d1.mount") throw new Error();
 * ```
 */
export function mountUnitName(mountPoint: string): string {
  return `${systemdEscapePath(mountPoint)}.mount`;
}
