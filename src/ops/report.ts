/**
 * Plain-text tables for the ops commands, and doctor's check rows.
 *
 * @module
 */

/** How one check came out. */
export type Status = "ok" | "warn" | "fail";

/** One row of `deno task doctor`. */
export interface CheckRow {
  name: string;
  status: Status;
  detail: string;
  /** What to do about a warning or failure. */
  fix?: string;
}

/**
 * Columns padded to their widest cell; the last column is not padded.
 *
 * @example
 * ```ts
 * import { renderTable } from "./report.ts";
 * const text = renderTable(["A", "B"], [["x", "1"], ["long", "2"]]);
 * if (text.split("\n")[1] !== "x     1") throw new Error(JSON.stringify(text));
 * ```
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [headers, ...rows].map(line).join("\n");
}

/** Counts per status. */
export function tally(rows: readonly CheckRow[]): Record<Status, number> {
  const counts: Record<Status, number> = { ok: 0, warn: 0, fail: 0 };
  for (const row of rows) counts[row.status]++;
  return counts;
}

/** The check table, then each warning's and failure's fix, then the counts. */
export function renderChecks(rows: readonly CheckRow[]): string {
  const table = renderTable(
    ["CHECK", "STATUS", "DETAIL"],
    rows.map((r) => [r.name, r.status, r.detail]),
  );
  const fixes = rows
    .filter((r) => r.status !== "ok" && r.fix)
    .map((r) => `  ${r.name}: ${r.fix}`);
  const counts = tally(rows);
  return [
    table,
    ...(fixes.length > 0 ? ["", "To fix:", ...fixes] : []),
    "",
    `${counts.ok} ok, ${counts.warn} warn, ${counts.fail} fail`,
  ].join("\n");
}
