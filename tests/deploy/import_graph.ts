/**
 * The local files a module imports, followed transitively, so the image test can check that
 * the Dockerfile copies every file the agent loads.
 *
 * Only statements at the start of a line count (`import`, `export ... from`), so JSDoc
 * examples (` * import ...`) are not mistaken for imports. Bare and `npm:` specifiers are
 * left to `deno install --frozen`.
 *
 * @module
 */

import { dirname, relative, resolve } from "node:path";

const STATIC = /^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
const SIDE_EFFECT = /^import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The relative specifiers of one module's source text. */
export function relativeSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of [STATIC, SIDE_EFFECT, DYNAMIC]) {
    for (const match of source.matchAll(pattern)) {
      if (match[1].startsWith("./") || match[1].startsWith("../")) found.add(match[1]);
    }
  }
  return [...found];
}

/**
 * Every local file reachable from `entry` (itself included), as paths relative to `root`,
 * sorted. Throws, naming the importer, when an import points at a file that does not exist.
 */
export async function localModuleGraph(root: string, entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await Deno.readTextFile(file);
    for (const specifier of relativeSpecifiers(source)) {
      const target = resolve(dirname(file), specifier);
      try {
        await Deno.stat(target);
      } catch {
        throw new Error(`${relative(root, file)} imports ${specifier}, which does not exist`);
      }
      queue.push(target);
    }
  }
  return [...seen].map((file) => relative(root, file)).sort();
}
