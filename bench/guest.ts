/**
 * Adapter to bench/guest_overhead.ts: takes the guest lock (the same flock(2) lock as
 * `flock /tmp/local-lvm-guest.lock`, so guests run one at a time on this machine) and reduces
 * its answer to the figures the bench reports.
 *
 * @module
 */

import { measureGuestOverhead } from "./guest_overhead.ts";
import { type Spread, spread } from "./stats.ts";

export const GUEST_LOCK = "/tmp/local-lvm-guest.lock";

/** The real-lvm2 figures. */
export interface GuestFigures {
  runs: number;
  bootMs: number;
  bareMs: Spread;
  sagaMs: Spread;
  /** Median saga over median bare. */
  ratio: number;
  stepsMs: Record<string, Spread>;
}

/** Boots a guest under the lock and measures; `log` gets its progress lines. */
export async function guestFigures(runs: number, log: (l: string) => void): Promise<GuestFigures> {
  const lock = await Deno.open(GUEST_LOCK, { create: true, write: true });
  try {
    log(`waiting for ${GUEST_LOCK}`);
    await lock.lock(true);
    const o = await measureGuestOverhead({ runs, log });
    return {
      runs,
      bootMs: o.guestBootMs,
      bareMs: spread(o.bare.values),
      sagaMs: spread(o.saga.values),
      ratio: o.ratio,
      stepsMs: Object.fromEntries(o.steps.map(({ step, stats }) => [step, spread(stats.values)])),
    };
  } finally {
    lock.close();
  }
}
