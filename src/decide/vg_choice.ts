/**
 * Which volume group of a node gets a new volume: one that the node's config lists, that
 * exists on the node, and whose free space, less what in-flight claims have reserved,
 * holds the extent-rounded size. Among those the policy picks one.
 *
 * @module
 */

import { formatBytes } from "./quantity.ts";
import { roundToExtents } from "./size.ts";

/** How to pick among the volume groups that can fit a volume. */
export type VgPolicy = "most-free" | "least-free" | "random";

/** One volume group as `vgs --units b` reports it. */
export interface VgReport {
  name: string;
  sizeBytes: number;
  freeBytes: number;
  extentBytes: number;
}

/** Space held for a claim whose LV does not exist yet, so two claims cannot take it both. */
export interface Reservation {
  vg: string;
  bytes: number;
}

/** Everything the choice depends on. */
export interface VgChoiceInput {
  /** The node, for messages. */
  node: string;
  /** The VGs the config lists for the node; earlier ones win ties. */
  configuredVgs: readonly string[];
  /** What `vgs` reported on the node. */
  reports: readonly VgReport[];
  /** Reservations of in-flight claims on this node. */
  reservations: readonly Reservation[];
  /** The claim's request in bytes. */
  requestBytes: number;
  policy: VgPolicy;
  /** Source of randomness for the `random` policy, returning [0, 1); `Math.random` if unset. */
  random?: () => number;
}

/** Why no VG was chosen: none configured, none of the configured ones exists, none fits. */
export type VgChoiceFailure = "no-vgs" | "vgs-missing" | "no-fit";

/** The chosen VG with the LV size for it, or why there is none. */
export type VgChoice =
  | { ok: true; vg: string; sizeBytes: number; extentBytes: number; why: string }
  | { ok: false; code: VgChoiceFailure; error: string };

interface Candidate {
  report: VgReport;
  /** Free bytes less reservations, never below zero. */
  available: number;
  reservations: number;
  /** The LV size in this VG, or undefined when it is beyond what we can count. */
  sizeBytes: number | undefined;
}

/**
 * Chooses the volume group for a new volume.
 *
 * @example
 * ```ts
 * import { chooseVg } from "./vg_choice.ts";
 * const MiB = 1024 * 1024;
 * const choice = chooseVg({
 *   node: "n1",
 *   configuredVgs: ["vg0", "vg1"],
 *   reports: [
 *     { name: "vg0", sizeBytes: 100 * MiB, freeBytes: 40 * MiB, extentBytes: 4 * MiB },
 *     { name: "vg1", sizeBytes: 100 * MiB, freeBytes: 60 * MiB, extentBytes: 4 * MiB },
 *   ],
 *   reservations: [{ vg: "vg1", bytes: 30 * MiB }],
 *   requestBytes: 5 * MiB,
 *   policy: "most-free",
 * });
 * if (!choice.ok || choice.vg !== "vg0" || choice.sizeBytes !== 8 * MiB) throw new Error();
 * ```
 */
export function chooseVg(input: VgChoiceInput): VgChoice {
  const { node, configuredVgs, requestBytes } = input;
  if (configuredVgs.length === 0) {
    return { ok: false, code: "no-vgs", error: `no local volume group available on node ${node}` };
  }
  const byName = new Map(input.reports.map((r) => [r.name, r]));
  const missing = configuredVgs.filter((name) => !byName.has(name));
  if (missing.length === configuredVgs.length) {
    const error = missing.length === 1
      ? `volume group ${missing[0]} from the config does not exist on node ${node}`
      : `volume groups ${missing.join(", ")} from the config do not exist on node ${node}`;
    return { ok: false, code: "vgs-missing", error };
  }

  const present = configuredVgs.flatMap((name) => {
    const report = byName.get(name);
    return report === undefined ? [] : [candidate(report, input)];
  });
  const fits = present.filter(fitsIn);
  const tooSmall = present.filter((c) => !fitsIn(c));
  const notes = [
    ...(tooSmall.length > 0
      ? [`too small: ${tooSmall.map((c) => `${c.report.name} (${freeText(c)})`).join(", ")}`]
      : []),
    ...(missing.length > 0 ? [`not on node ${node}: ${missing.join(", ")}`] : []),
  ];

  if (fits.length === 0) {
    const largest = pick(present, (a, b) => a.available > b.available);
    const need = largest.sizeBytes ?? requestBytes;
    let [needText, freeBytesText] = [formatBytes(need), formatBytes(largest.available)];
    if (needText === freeBytesText) {
      [needText, freeBytesText] = [`${need} bytes`, `${largest.available} bytes`];
    }
    const after = largest.reservations > 0 ? ` after ${reservationsText(largest)}` : "";
    const note = missing.length > 0 ? `; not on node ${node}: ${missing.join(", ")}` : "";
    return {
      ok: false,
      code: "no-fit",
      error:
        `no volume group can fit ${needText} (largest free: ${freeBytesText} in ${largest.report.name}${after})${note}`,
    };
  }

  let chosen: Fit;
  let why: string;
  const among = fits.map((c) => c.report.name).join(", ");
  if (fits.length === 1) {
    chosen = fits[0];
    why = `${chosen.report.name} is the only volume group that can fit ${
      formatBytes(chosen.sizeBytes)
    } (${freeText(chosen)})`;
  } else if (input.policy === "most-free") {
    chosen = pick(fits, (a, b) => a.available > b.available);
    why = `${chosen.report.name} has the most free space (${freeText(chosen)}) among ${among}`;
  } else if (input.policy === "least-free") {
    chosen = pick(fits, (a, b) => a.available < b.available);
    why = `${chosen.report.name} has the least free space that fits ${
      formatBytes(chosen.sizeBytes)
    } (${freeText(chosen)}) among ${among}`;
  } else {
    const r = (input.random ?? Math.random)();
    chosen = fits[Math.min(fits.length - 1, Math.max(0, Math.floor(r * fits.length)))];
    why = `${chosen.report.name} was picked at random (${freeText(chosen)}) among ${among}`;
  }
  return {
    ok: true,
    vg: chosen.report.name,
    sizeBytes: chosen.sizeBytes,
    extentBytes: chosen.report.extentBytes,
    why: [why, ...notes].join("; "),
  };
}

type Fit = Candidate & { sizeBytes: number };

function fitsIn(c: Candidate): c is Fit {
  return c.sizeBytes !== undefined && c.sizeBytes <= c.available;
}

function candidate(report: VgReport, input: VgChoiceInput): Candidate {
  const held = input.reservations.filter((r) => r.vg === report.name);
  const reserved = held.reduce((sum, r) => sum + r.bytes, 0);
  let sizeBytes: number | undefined;
  try {
    sizeBytes = roundToExtents(input.requestBytes, report.extentBytes);
  } catch (e) {
    // Only a request within one extent of 2^53 gets here: it fits nowhere anyway.
    if (!(e instanceof RangeError)) throw e;
  }
  return {
    report,
    available: Math.max(0, report.freeBytes - reserved),
    reservations: held.length,
    sizeBytes,
  };
}

/** The first candidate that no later one beats: ties go to the earlier config entry. */
function pick<C extends Candidate>(list: readonly C[], beats: (a: C, b: C) => boolean): C {
  return list.reduce((best, c) => (beats(c, best) ? c : best));
}

function reservationsText(c: Candidate): string {
  return `${c.reservations} reservation${c.reservations === 1 ? "" : "s"}`;
}

function freeText(c: Candidate): string {
  const after = c.reservations > 0 ? ` after ${reservationsText(c)}` : "";
  return `${formatBytes(c.available)} free${after}`;
}
