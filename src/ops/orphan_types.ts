/**
 * What `deno task orphans` reports: pieces of a volume that nothing owns any more.
 *
 * @module
 */

/** The kinds of orphan, as `--remove KIND:NAME` spells them. */
export const ORPHAN_KINDS = ["lv", "pv", "mount", "unit", "journal"] as const;

/** One kind of orphan. */
export type OrphanKind = typeof ORPHAN_KINDS[number];

/** One orphan. */
export interface Orphan {
  kind: OrphanKind;
  /**
   * `vg/lv` for an LV, the PV's name, the mount point, the unit's name, the saga's id:
   * what `--remove KIND:NAME` takes.
   */
  name: string;
  /** Why it counts as an orphan, in one sentence. */
  detail: string;
  /** What removing it does. */
  removal: string;
}

/** `KIND:NAME`, as printed and as `--remove` takes it. */
export function orphanId(o: Pick<Orphan, "kind" | "name">): string {
  return `${o.kind}:${o.name}`;
}

/** Orphans per kind, every kind present (for the metric). */
export function countByKind(orphans: readonly Orphan[]): Record<OrphanKind, number> {
  const counts = Object.fromEntries(ORPHAN_KINDS.map((k) => [k, 0])) as Record<OrphanKind, number>;
  for (const o of orphans) counts[o.kind]++;
  return counts;
}

/**
 * The orphans to remove: those named (`KIND:NAME`), or all of them. Every name must be an
 * orphan found just now; otherwise nothing is chosen and the unknown names are returned.
 *
 * @example
 * ```ts
 * import { chooseRemovals } from "./orphan_types.ts";
 * const found = [{ kind: "lv" as const, name: "vg0/pvc-1", detail: "", removal: "" }];
 * const r = chooseRemovals(found, ["lv:vg0/pvc-2"], false);
 * if (!("unknown" in r) || r.unknown[0] !== "lv:vg0/pvc-2") throw new Error();
 * ```
 */
export function chooseRemovals(
  found: readonly Orphan[],
  ids: readonly string[],
  all: boolean,
): { chosen: Orphan[] } | { unknown: string[] } {
  if (all) return { chosen: [...found] };
  const byId = new Map(found.map((o) => [orphanId(o), o]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) return { unknown };
  return { chosen: [...new Set(ids)].map((id) => byId.get(id)!) };
}
