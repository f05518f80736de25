/**
 * JSONC reading: JSON plus comments and trailing commas, with every syntax error
 * reported by line and column.
 *
 * @module
 */

import { parse, type ParseError, printParseErrorCode } from "jsonc-parser";

/** Result of {@link parseJsonc}. */
export type JsoncResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Converts a UTF-16 offset into a 1-based `line:column`. `\n`, `\r\n` and a lone `\r`
 * each end a line, as editors count them.
 *
 * @example
 * ```ts
 * import { lineColumn } from "./jsonc.ts";
 * if (lineColumn("ab\ncd", 4) !== "2:2") throw new Error();
 * ```
 */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}

/**
 * Parses JSONC. jsonc-parser recovers from errors and keeps going, so every error is
 * reported at once; but the recovered value is a guess, so nothing is returned with them.
 *
 * @example
 * ```ts
 * import { parseJsonc } from "./jsonc.ts";
 * const r = parseJsonc('{"a": 1,} // ok');
 * if (!r.ok) throw new Error();
 * const bad = parseJsonc('{"a" 1}');
 * if (bad.ok || bad.errors[0] !== "invalid JSON at 1:6: ColonExpected") throw new Error();
 * ```
 */
export function parseJsonc(text: string): JsoncResult {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  if (errors.length === 0) return { ok: true, value };
  return {
    ok: false,
    errors: errors.map((e) =>
      `invalid JSON at ${lineColumn(text, e.offset)}: ${printParseErrorCode(e.error)}`
    ),
  };
}
