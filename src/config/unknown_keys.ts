/**
 * Warnings for keys the config does not know. They are not errors (the original ignored
 * them too), but a typo like `"vg"` for `"vgs"` should not go unnoticed.
 *
 * @module
 */

import { at, type PathSegment } from "./json_path.ts";

/**
 * One warning per key of `object` that is not in `known`. Keys are case-sensitive (the
 * original's Go decoder was not), so a case-only mismatch gets a hint.
 *
 * @example
 * ```ts
 * import { unknownKeyWarnings } from "./unknown_keys.ts";
 * const w = unknownKeyWarnings({ node: "a", vg: [] }, ["node", "vgs"], ["nodeVGMap", 0]);
 * if (w[0] !== '$.nodeVGMap[0].vg: unknown key "vg" (ignored)') throw new Error();
 * ```
 */
export function unknownKeyWarnings(
  object: Record<string, unknown>,
  known: readonly string[],
  base: readonly PathSegment[],
): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const sameButCase = known.find((k) => k.toLowerCase() === key.toLowerCase());
    const hint = sameButCase === undefined
      ? ""
      : `; keys are case-sensitive, did you mean ${JSON.stringify(sameButCase)}?`;
    warnings.push(at([...base, key], `unknown key ${JSON.stringify(key)} (ignored${hint})`));
  }
  return warnings;
}
