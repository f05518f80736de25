/**
 * Space held in volume groups by claims whose LV does not exist yet. Choosing a VG and
 * creating the LV are separate moments; without holds two claims could both be promised
 * the same free extents.
 *
 * @module
 */

/** One hold: bytes promised to a volume in a VG. */
export interface Reservation {
  pvName: string;
  vg: string;
  bytes: number;
}

/** The holds of one agent. Single-threaded JS makes check-and-hold atomic. */
export class ReservationBook {
  readonly #holds = new Map<string, Reservation>();

  /** Holds space for a volume (replacing an earlier hold of the same volume). */
  hold(reservation: Reservation): void {
    this.#holds.set(reservation.pvName, { ...reservation });
  }

  /** Drops the hold of a volume; absent is fine. */
  release(pvName: string): void {
    this.#holds.delete(pvName);
  }

  /** Bytes held in a VG by volumes other than `exceptPv`. */
  heldIn(vg: string, exceptPv?: string): number {
    let total = 0;
    for (const r of this.#holds.values()) {
      if (r.vg === vg && r.pvName !== exceptPv) total += r.bytes;
    }
    return total;
  }

  /** Every hold, for decisions and for checking that nothing leaked. */
  list(): Reservation[] {
    return [...this.#holds.values()].map((r) => ({ ...r }));
  }
}
