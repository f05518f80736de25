/**
 * lvm2's rules and texts, as in lvm2 2.03.16: name and tag validation
 * (lib/misc/lvm-string.c), size arguments (tools/lvmcmdline.c `_size_arg`) and the
 * human size display (`dm_size_to_string` with the default units "r").
 *
 * @module
 */

import { unsupported } from "./paths.ts";

/** lvm's exit codes. */
export const ECMD_FAILED = 5;
export const EINVALID_CMD_LINE = 3;

/** Every lvm message line starts with two spaces. */
export function lvmLines(...lines: string[]): string {
  return lines.map((l) => `  ${l}\n`).join("");
}

/** The two lines lvm prints when a named VG does not exist. */
export function vgNotFound(vg: string): string {
  return lvmLines(`Volume group "${vg}" not found`, `Cannot process volume group ${vg}`);
}

const NAME_CHARS = /^[A-Za-z0-9._+-]+$/;
const TAG_CHARS = /^[A-Za-z0-9._+\-/=!:&#]+$/;
const RESERVED_PREFIXES = ["pvmove", "snapshot"];
const RESERVED_STRINGS = [
  "_cdata",
  "_cmeta",
  "_corig",
  "_cpool",
  "_cvol",
  "_wcorig",
  "_mimage",
  "_mlog",
  "_rimage",
  "_rmeta",
  "_tdata",
  "_tmeta",
  "_vdata",
  "_imeta",
  "_iorig",
  "_pmspare",
  "_vorigin",
];

/** lvm's `validate_name`: charset, no leading dash, not `.`/`..`, shorter than 128. */
export function isValidName(name: string): boolean {
  return NAME_CHARS.test(name) && !name.startsWith("-") && name !== "." && name !== ".." &&
    name.length < 128;
}

/**
 * The error lines lvcreate prints for a bad LV name (validate_restricted_lvname_param),
 * or null for a good one.
 */
export function lvNameError(name: string): string | null {
  if (!isValidName(name)) return `Logical volume name "${name}" is invalid.`;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `Names starting "${prefix}" are reserved. Please choose a different LV name.`;
  const part = RESERVED_STRINGS.find((s) => name.includes(s));
  if (part) return `Names including "${part}" are reserved. Please choose a different LV name.`;
  return null;
}

/**
 * lvm's `validate_tag` (after stripping one leading `@`): a non-empty string of
 * `A-Za-z0-9_+.-/=!:&#`. lvm2 2.03.16 sets no length limit.
 */
export function isValidTag(tag: string): boolean {
  return TAG_CHARS.test(tag.startsWith("@") ? tag.slice(1) : tag);
}

/** A size argument that failed to parse: the lines lvm prints before the generic ones. */
export class SizeArgError extends Error {}

/**
 * Parses an lvm size argument (`--size`) into bytes. Units are binary whatever their case
 * (`b` bytes, `s` sectors, `k m g t p e`), default MiB. Signs are unsupported here.
 */
export function parseLvmSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]?)$/.exec(value);
  if (!m) unsupported(`size argument ${JSON.stringify(value)} is not implemented`);
  const number = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (unit === "b") {
    if (!Number.isInteger(number)) unsupported(`fractional byte size ${value}`);
    if (number % 512 !== 0) {
      const up = number + 512 - (number % 512);
      throw new SizeArgError(`Size is not a multiple of 512. Try using ${up - 512} or ${up}.`);
    }
    return number;
  }
  const factor: Record<string, number> = {
    s: 512,
    "": 1024 ** 2,
    k: 1024,
    m: 1024 ** 2,
    g: 1024 ** 3,
    t: 1024 ** 4,
    p: 1024 ** 5,
    e: 1024 ** 6,
  };
  if (!(unit in factor)) unsupported(`size unit ${JSON.stringify(m[2])} is not implemented`);
  // lvm computes in sectors and truncates.
  return Math.floor((number * factor[unit]) / 512) * 512;
}

const UNITS = ["EiB", "PiB", "TiB", "GiB", "MiB", "KiB", "B"];

/**
 * lvm's `display_size` with the default units `r`: two decimals and a binary unit,
 * prefixed with `<` when the shown value is rounded up from the real one.
 *
 * @example
 * ```ts
 * import { displaySize } from "./lvm_rules.ts";
 * if (displaySize(12 * 1024 ** 2) !== "12.00 MiB") throw new Error("wrong");
 * ```
 */
export function displaySize(bytes: number): string {
  if (bytes === 0) return "0   ";
  let unit = 1024 ** 6;
  let i = 0;
  while (i < UNITS.length - 1 && bytes < unit) {
    unit /= 1024;
    i++;
  }
  if (UNITS[i] === "B") return `${bytes} B`;
  const hundredths = (100 * bytes) / unit;
  const prefix = Math.floor(hundredths) !== Math.round(hundredths) ? "<" : "";
  return `${prefix}${(bytes / unit).toFixed(2)} ${UNITS[i]}`;
}
