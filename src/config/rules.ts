/**
 * The rules for single values: volume group names, provisioner names, mount options and
 * mount paths. Pure functions returning every rule a value breaks, so one bad value can
 * produce several precise messages.
 *
 * @module
 */

import posix from "node:path/posix";
import { MAX_VG_NAME_LENGTH } from "./constants.ts";

/**
 * LVM's rules for a VG name (lvm(8) "VALID NAMES"). Returns one phrase per rule broken.
 *
 * @example
 * ```ts
 * import { vgNameProblems } from "./rules.ts";
 * if (vgNameProblems("vg0").length !== 0) throw new Error();
 * if (vgNameProblems("-a b").length !== 2) throw new Error();
 * ```
 */
export function vgNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 1 || name.length > MAX_VG_NAME_LENGTH) {
    problems.push(`must be 1 to ${MAX_VG_NAME_LENGTH} characters long`);
  }
  if (/[^A-Za-z0-9+_.-]/.test(name)) {
    problems.push("only letters, digits and + _ . - are allowed");
  }
  if (name.startsWith("-")) problems.push("must not start with '-'");
  if (name === "." || name === "..") problems.push(`"." and ".." are reserved names`);
  return problems;
}

/**
 * Rules for a DNS-1123 subdomain, which a CSIDriver name (and so our provisioner name)
 * must be. Returns one phrase per rule broken.
 *
 * @example
 * ```ts
 * import { dnsSubdomainProblems } from "./rules.ts";
 * if (dnsSubdomainProblems("local-lvm.io").length !== 0) throw new Error();
 * if (dnsSubdomainProblems("mein.io/local-lvm").length !== 1) throw new Error();
 * ```
 */
export function dnsSubdomainProblems(name: string): string[] {
  if (name === "") return ["must not be empty"];
  const problems: string[] = [];
  if (name.length > 253) problems.push("must be at most 253 characters long");
  if (/[^a-z0-9.-]/.test(name)) {
    problems.push("only lowercase letters, digits, '-' and '.' are allowed");
  }
  const labels = name.split(".");
  if (labels.some((l) => l === "")) problems.push("labels between dots must not be empty");
  if (labels.some((l) => l.startsWith("-") || l.endsWith("-"))) {
    problems.push("labels must not start or end with '-'");
  }
  if (labels.some((l) => l.length > 63)) {
    problems.push("labels between dots must be at most 63 characters long");
  }
  return problems;
}

/**
 * Rules for one `mount -o` option. Commas would smuggle several options into one entry,
 * which defeats listing them one per entry.
 *
 * @example
 * ```ts
 * import { mountOptionProblems } from "./rules.ts";
 * if (mountOptionProblems("noatime").length !== 0) throw new Error();
 * if (mountOptionProblems("a, b").length !== 2) throw new Error();
 * ```
 */
export function mountOptionProblems(option: string): string[] {
  if (option === "") return ["must not be empty"];
  const problems: string[] = [];
  if (option.includes(",")) problems.push("must not contain commas (list each option separately)");
  if (/\s/.test(option)) problems.push("must not contain whitespace");
  return problems;
}

/**
 * Normalises an absolute mount path: resolves `.` and `..`, collapses slashes and drops
 * trailing ones, so `/data/..`, `//` and `/./` all become `/`.
 *
 * @example
 * ```ts
 * import { normaliseMountPath } from "./rules.ts";
 * if (normaliseMountPath("//data/./x/") !== "/data/x") throw new Error();
 * if (normaliseMountPath("/data/..") !== "/") throw new Error();
 * ```
 */
export function normaliseMountPath(path: string): string {
  const normal = posix.normalize(path);
  const stripped = normal.replace(/\/+$/, "");
  return stripped === "" ? "/" : stripped;
}

/**
 * True when the path can be stored in the LV tag `mount=<path>`: LVM tags only hold
 * letters, digits and `_ + . - / = ! : & #`, so any other character would make every
 * `lvcreate` on that node fail.
 */
export function fitsInLvmTag(path: string): boolean {
  return /^[A-Za-z0-9_+.\-/=!:&#]*$/.test(path);
}
