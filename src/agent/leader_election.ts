/**
 * Leader election on a Lease, with client-go's rules (tools/leaderelection):
 *
 * - A candidate tries every `retryPeriod` (jittered by up to 1.2×). It takes the Lease when
 *   nobody holds it, or when the holder's record has not changed for `leaseDurationSeconds` as
 *   measured on the candidate's own clock (so clock skew between nodes does not matter); a new
 *   holder increments `leaseTransitions` and sets `acquireTime`.
 * - The leader renews every `retryPeriod`; every write carries the resourceVersion it read, so
 *   of two writers only one wins.
 * - If no renewal succeeds for `renewDeadline` (< `leaseDuration`, so the leader steps down
 *   before anyone else may take over), or the Lease shows another holder, it steps down at
 *   once: {@link LeaderElector.isLeader} turns false at the deadline even while a request
 *   hangs, and the work that needs leadership checks it before every write.
 * - A leader that stops releases the Lease (empty holder, 1 s duration), like client-go's
 *   `ReleaseOnCancel`, so the next leader need not wait for it to expire.
 *
 * After stepping down the agent is a candidate again.
 *
 * @module
 */

import { type Clock, realClock, sleep } from "../kube/clock.ts";
import { microTime } from "../kube/event_object.ts";
import type { LeaseRecord, LeaseStore } from "../kube/lease.ts";
import type { AgentLogger } from "./context.ts";

/** Lease timing, in milliseconds (the Lease itself holds whole seconds). */
export interface ElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** client-go's defaults (and kube-controller-manager's): 15 s, 10 s, 2 s. */
export const DEFAULT_ELECTION_TIMING: ElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** client-go's JitterFactor: a candidate waits retryPeriod × (1 + up to 1.2). */
const JITTER = 1.2;

/**
 * Problems with a timing, as client-go checks them (empty when fine).
 *
 * @example
 * ```ts
 * import { DEFAULT_ELECTION_TIMING, timingProblems } from "./leader_election.ts";
 * if (timingProblems(DEFAULT_ELECTION_TIMING).length !== 0) throw new Error();
 * const bad = { leaseDurationMs: 5_000, renewDeadlineMs: 5_000, retryPeriodMs: 1_000 };
 * if (timingProblems(bad).length !== 1) throw new Error();
 * ```
 */
export function timingProblems(t: ElectionTiming): string[] {
  const problems: string[] = [];
  if (!(t.leaseDurationMs >= 1000) || t.leaseDurationMs % 1000 !== 0) {
    problems.push("the lease duration must be a whole number of seconds, at least 1");
  }
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) {
    problems.push("the lease duration must be greater than the renew deadline");
  }
  if (!(t.retryPeriodMs > 0)) problems.push("the retry period must be greater than zero");
  if (!(t.renewDeadlineMs > JITTER * t.retryPeriodMs)) {
    problems.push(`the renew deadline must be greater than ${JITTER} × the retry period`);
  }
  return problems;
}

/** How a {@link LeaderElector} is set up. */
export interface LeaderElectorOptions {
  store: LeaseStore;
  /** Written as `holderIdentity`: the agent's node name. */
  identity: string;
  timing: ElectionTiming;
  log: AgentLogger;
  /** Called when this agent becomes the leader. */
  onStartedLeading(): void;
  /** Called when it stops being the leader (lost or stopped). */
  onStoppedLeading(reason: string): void;
  clock?: Clock;
  random?: () => number;
}

/** One candidate; see the module doc. */
export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  readonly #clock: Clock;
  readonly #halt = new AbortController();
  #running: Promise<void> | undefined;
  #leading = false;
  /** Local time of the start of the last successful acquire or renew. */
  #renewedAt = 0;
  #deadlineTimer: unknown;
  #deadline = new AbortController();
  #observed: { raw: string; record: LeaseRecord; at: number; resourceVersion?: string } | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
  }

  /** True while this agent holds the Lease and its last renewal is within the deadline. */
  isLeader(): boolean {
    return this.#leading &&
      this.#clock.now() < this.#renewedAt + this.#o.timing.renewDeadlineMs &&
      this.#observed?.record.holderIdentity === this.#o.identity;
  }

  /** The holder last seen on the Lease ("" when released, undefined before the first read). */
  get holder(): string | undefined {
    return this.#observed?.record.holderIdentity;
  }

  /** Local time of the start of the last successful acquire or renew (0 before any). */
  get renewedAt(): number {
    return this.#renewedAt;
  }

  /** Starts campaigning (once). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops; a leader steps down and releases the Lease. */
  async stop(): Promise<void> {
    this.#halt.abort(new Error("leader election stopped"));
    await this.#running;
    if (this.#leading) {
      this.#stepDown("the agent is stopping");
      await this.#release();
    }
  }

  async #run(): Promise<void> {
    const signal = this.#halt.signal;
    const { retryPeriodMs } = this.#o.timing;
    const random = this.#o.random ?? Math.random;
    while (!signal.aborted) {
      if (await this.#attempt(signal)) {
        this.#becomeLeader();
        while (!signal.aborted && this.#leading) {
          await sleep(this.#clock, retryPeriodMs, signal);
          if (signal.aborted || !this.#leading) break;
          const lost = await this.#renew(signal);
          if (lost) this.#stepDown(lost);
        }
      } else {
        await sleep(this.#clock, retryPeriodMs * (1 + JITTER * random()), signal);
      }
    }
  }

  /** Tries to renew until it works or the deadline passes; returns why it was lost, if so. */
  async #renew(signal: AbortSignal): Promise<string | undefined> {
    while (!signal.aborted) {
      if (!this.isLeader()) return this.#lossReason();
      if (await this.#attempt(AbortSignal.any([signal, this.#deadline.signal]))) return;
      if (!this.isLeader()) return this.#lossReason();
      await sleep(this.#clock, this.#o.timing.retryPeriodMs, signal);
    }
  }

  #lossReason(): string {
    const holder = this.#observed?.record.holderIdentity;
    return holder && holder !== this.#o.identity
      ? `the Lease is held by ${holder} now`
      : `no renewal succeeded within the renew deadline of ${this.#o.timing.renewDeadlineMs} ms`;
  }

  /** client-go's tryAcquireOrRenew; errors are logged and count as "not now". */
  async #attempt(signal: AbortSignal): Promise<boolean> {
    try {
      return await this.#tryAcquireOrRenew(signal);
    } catch (error) {
      if (this.#halt.signal.aborted) return false;
      this.#o.log.warn("Lease {lease}: {what} failed: {error}", {
        lease: this.#o.store.description,
        what: this.#leading ? "renewing" : "acquiring",
        error: (error as Error).message,
      });
      return false;
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { store, identity, timing } = this.#o;
    const now = this.#clock.now();
    const seconds = Math.round(timing.leaseDurationMs / 1000);
    const lease = await store.get(signal);
    if (!lease) {
      const created = await store.create({
        holderIdentity: identity,
        leaseDurationSeconds: seconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      }, signal);
      if (created.status === "conflict") return false;
      this.#succeeded(now);
      this.#observe(created.lease.spec ?? {}, now, created.lease.metadata.resourceVersion);
      return true;
    }
    const record = lease.spec ?? {};
    this.#observe(record, now, lease.metadata.resourceVersion);
    const holder = record.holderIdentity ?? "";
    const durationMs = (record.leaseDurationSeconds ?? seconds) * 1000;
    if (holder !== "" && holder !== identity && this.#observed!.at + durationMs > now) {
      return false;
    }
    const mine = holder === identity;
    const written = await store.update(lease.metadata.resourceVersion ?? "", {
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      acquireTime: mine && record.acquireTime ? record.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (record.leaseTransitions ?? 0) + (mine ? 0 : 1),
    }, signal);
    if (written.status === "conflict") return false;
    this.#succeeded(now);
    this.#observe(written.lease.spec ?? {}, now, written.lease.metadata.resourceVersion);
    return true;
  }

  #observe(record: LeaseRecord, now: number, resourceVersion: string | undefined): void {
    const raw = JSON.stringify(record);
    const before = this.#observed;
    if (before?.raw === raw) {
      before.resourceVersion = resourceVersion;
      return;
    }
    this.#observed = { raw, record, at: now, resourceVersion };
    const holder = record.holderIdentity ?? "";
    if (before?.record.holderIdentity !== holder && holder !== this.#o.identity) {
      this.#o.log.info("Lease {lease}: the leader is {holder}", {
        lease: this.#o.store.description,
        holder: holder || "(nobody: released)",
      });
    }
  }

  #succeeded(startedAt: number): void {
    this.#renewedAt = startedAt;
    if (this.#leading) this.#armDeadline();
  }

  #armDeadline(): void {
    this.#clock.clearTimeout(this.#deadlineTimer);
    const left = this.#renewedAt + this.#o.timing.renewDeadlineMs - this.#clock.now();
    this.#deadline = new AbortController();
    this.#deadlineTimer = this.#clock.setTimeout(() => {
      // Step down at the deadline even while a renewal hangs; abort that request too.
      this.#deadline.abort(new Error("renew deadline passed"));
      if (this.#leading && !this.isLeader()) this.#stepDown(this.#lossReason());
    }, Math.max(0, left));
  }

  #becomeLeader(): void {
    this.#leading = true;
    this.#armDeadline();
    this.#o.log.info("Lease {lease}: this agent ({identity}) is the leader (transitions: {n})", {
      lease: this.#o.store.description,
      identity: this.#o.identity,
      n: this.#observed?.record.leaseTransitions ?? 0,
    });
    this.#notify(() => this.#o.onStartedLeading());
  }

  #stepDown(reason: string): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#clock.clearTimeout(this.#deadlineTimer);
    this.#o.log.warn("Lease {lease}: this agent ({identity}) is no longer the leader: {reason}", {
      lease: this.#o.store.description,
      identity: this.#o.identity,
      reason,
    });
    this.#notify(() => this.#o.onStoppedLeading(reason));
  }

  #notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#o.log.error("Leader election callback failed: {error}", {
        error: (error as Error).message,
      });
    }
  }

  // Reads the Lease afresh: a renew aborted by stop() may have been written with a
  // resourceVersion this elector never saw, and a stale one would make the release a conflict.
  async #release(): Promise<void> {
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const lease = await this.#o.store.get();
        const record = lease?.spec;
        const resourceVersion = lease?.metadata.resourceVersion;
        if (!record || !resourceVersion || record.holderIdentity !== this.#o.identity) return;
        const now = this.#clock.now();
        const written = await this.#o.store.update(resourceVersion, {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: record.leaseTransitions ?? 0,
        });
        if (written.status === "written") {
          this.#o.log.info("Lease {lease}: released", { lease: this.#o.store.description });
          return;
        }
      }
    } catch (error) {
      this.#o.log.warn("Lease {lease}: releasing failed: {error}", {
        lease: this.#o.store.description,
        error: (error as Error).message,
      });
    }
  }
}
