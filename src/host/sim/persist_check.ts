/**
 * Small checks for decoding a node state file: each takes a JSON value and the JSON path
 * it came from, and throws {@link NodeFileError} naming that path when the value is wrong.
 *
 * @module
 */

/** A node state file that cannot be read: not JSON, an unknown format, or a malformed field. */
export class NodeFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NodeFileError";
  }
}

/** Throws {@link NodeFileError} for the value at `at`. */
export function invalid(at: string, problem: string): never {
  throw new NodeFileError(`invalid node state: ${at}: ${problem}`);
}

function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** An object with no keys but the allowed ones (a misspelt key is an error, not ignored). */
export function object(
  value: unknown,
  at: string,
  keys: readonly string[],
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    invalid(at, `expected an object, got ${shown(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) invalid(`${at}.${key}`, "unknown field");
  }
  return value as Record<string, unknown>;
}

/** An array. */
export function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) invalid(at, `expected an array, got ${shown(value)}`);
  return value;
}

/** A string (optionally non-empty). */
export function string(value: unknown, at: string, nonEmpty = false): string {
  if (typeof value !== "string") invalid(at, `expected a string, got ${shown(value)}`);
  if (nonEmpty && value === "") invalid(at, "must not be empty");
  return value;
}

/** An array of strings. */
export function strings(value: unknown, at: string): string[] {
  return array(value, at).map((v, i) => string(v, `${at}[${i}]`));
}

/** A boolean. */
export function boolean(value: unknown, at: string): boolean {
  if (typeof value !== "boolean") invalid(at, `expected true or false, got ${shown(value)}`);
  return value;
}

/** An integer no smaller than `min`. */
export function integer(value: unknown, at: string, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    invalid(at, `expected an integer of at least ${min}, got ${shown(value)}`);
  }
  return value;
}
