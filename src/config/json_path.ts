/**
 * JSON paths in messages (`$.nodeVGMap[1].path`) and plain-words names of JSON types.
 *
 * @module
 */

/** One step into a JSON document: an object key or an array index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats a path the way JSONPath writes it: `.key` for identifier keys, `["odd key"]`
 * otherwise, `[index]` for array elements.
 *
 * @example
 * ```ts
 * import { formatJsonPath } from "./json_path.ts";
 * if (formatJsonPath(["nodeVGMap", 1, "path"]) !== "$.nodeVGMap[1].path") throw new Error();
 * ```
 */
export function formatJsonPath(segments: readonly PathSegment[]): string {
  let out = "$";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Prefixes a message with the JSON path it is about. */
export function at(segments: readonly PathSegment[], message: string): string {
  return `${formatJsonPath(segments)}: ${message}`;
}

/**
 * Names the JSON type of a parsed value (`array` and `null` rather than `object`).
 *
 * @example
 * ```ts
 * import { jsonTypeOf } from "./json_path.ts";
 * if (jsonTypeOf([]) !== "array" || jsonTypeOf(null) !== "null") throw new Error();
 * ```
 */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value === undefined) return "nothing";
  return typeof value;
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
