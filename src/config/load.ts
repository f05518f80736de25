/**
 * Reading the config file from disk.
 *
 * @module
 */

import { parseConfig } from "./parse.ts";
import type { ParseResult } from "./types.ts";

/** The file's text, or the original's `fail to load config file P: <reason>` message. */
export type ReadResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly error: string };

/** Reads the config file; never throws. */
export async function readConfigText(path: string): Promise<ReadResult> {
  try {
    return { ok: true, text: await Deno.readTextFile(path) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `fail to load config file ${path}: ${reason}` };
  }
}

/**
 * Reads, parses and validates a config file. Needs `--allow-read` for the path.
 *
 * @example
 * ```ts
 * import { loadConfigFile } from "./load.ts";
 * const r = await loadConfigFile("/nonexistent/config.json");
 * if (r.ok || !r.errors[0].startsWith("fail to load config file /nonexistent")) throw new Error();
 * ```
 */
export async function loadConfigFile(path: string): Promise<ParseResult> {
  const read = await readConfigText(path);
  if (!read.ok) return { ok: false, errors: [read.error], warnings: [] };
  return parseConfig(read.text);
}

/** Hex SHA-256 of a text, to tell a changed file from a merely touched one. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
