/**
 * Doctor's journal check: every file in the saga journal parses, and no saga is stuck (its
 * undo failed) or left behind (not updated for a long time, so no agent is working on it).
 * Reads the files one by one, so one bad file does not hide the others.
 *
 * @module
 */

import type { SagaRecord } from "../saga/types.ts";
import { JOURNAL_QUIET_MS } from "./orphans_find.ts";
import type { CheckRow } from "./report.ts";

const RECOVER = "fix the cause, then restart the agent (it finishes or undoes journaled sagas " +
  "at start), or roll it back with `deno task orphans --remove journal:";

function isRecord(value: unknown): value is SagaRecord {
  const r = value as Partial<SagaRecord> | null;
  return typeof r?.id === "string" && typeof r.kind === "string" &&
    (r.direction === "forward" || r.direction === "backward") && Array.isArray(r.applied) &&
    Array.isArray(r.errors) && typeof r.updatedAt === "string";
}

/** Rows for the journal directory (`<state dir>/journal`). */
export async function journalChecks(dir: string, now = Date.now()): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  const records: SagaRecord[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      const path = `${dir}/${entry.name}`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await Deno.readTextFile(path));
      } catch (error) {
        parsed = error;
      }
      if (isRecord(parsed) && `${parsed.id}.json` === entry.name) {
        records.push(parsed);
        continue;
      }
      rows.push({
        name: `journal ${entry.name}`,
        status: "fail",
        detail: `${path} is not a saga record` +
          (parsed instanceof Error ? `: ${parsed.message}` : " (fields or file name wrong)"),
        fix: "the agent cannot start while it is there: see what its steps did " +
          "(`deno task plan --delete` lists a volume's undo), clean up by hand, then move " +
          "the file out of the journal directory",
      });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      return [{ name: "journal", status: "fail", detail: `${dir}: ${(error as Error).message}` }];
    }
  }
  for (const r of records.sort((a, b) => a.id.localeCompare(b.id))) {
    const stuck = r.direction === "backward" && r.errors.some((e) => / \(undo\): /.test(e));
    const quiet = now - Date.parse(r.updatedAt) >= JOURNAL_QUIET_MS;
    if (!stuck && !quiet) continue;
    rows.push({
      name: `journal ${r.id}`,
      status: stuck ? "fail" : "warn",
      detail: stuck
        ? `stuck rolling back: ${r.errors[r.errors.length - 1]}`
        : `going ${r.direction}, not updated since ${r.updatedAt}: is the agent running?`,
      fix: `${RECOVER}${r.id}\``,
    });
  }
  if (rows.length > 0) return rows;
  return [{
    name: "journal",
    status: "ok",
    detail: records.length === 0
      ? `${dir}: empty`
      : `${dir}: ${records.length} saga${records.length === 1 ? "" : "s"} in progress`,
  }];
}
