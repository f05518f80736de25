/**
 * The leader election's and the deleted-node clean-up's settings, read from the environment
 * (all optional; the defaults are client-go's and five minutes).
 *
 * | variable                           | default | meaning                                         |
 * | ---------------------------------- | ------- | ----------------------------------------------- |
 * | `LOCAL_LVM_LEASE_DURATION_SECONDS` | 15      | a leader silent this long may be replaced       |
 * | `LOCAL_LVM_RENEW_DEADLINE_SECONDS` | 10      | a leader that cannot renew this long steps down |
 * | `LOCAL_LVM_RETRY_PERIOD_SECONDS`   | 2       | between attempts to acquire or renew            |
 * | `LOCAL_LVM_NODE_GRACE_SECONDS`     | 300     | a deleted node's volumes are given up after     |
 *
 * @module
 */

import { DEFAULT_ELECTION_TIMING, type ElectionTiming, timingProblems } from "./leader_election.ts";

/** What {@link electionSettingsFromEnv} reads. */
export interface ElectionSettings {
  timing: ElectionTiming;
  nodeGraceMs: number;
}

/** Default grace period before a deleted node's volumes are given up: five minutes. */
export const DEFAULT_NODE_GRACE_MS = 300_000;

function seconds(
  env: Record<string, string | undefined>,
  name: string,
  fallbackMs: number,
): number {
  const value = env[name];
  if (value === undefined || value === "") return fallbackMs;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${value} is not a number of seconds`);
  return Math.round(n * 1000);
}

/**
 * Reads the settings; throws naming the variable on a bad value or a bad combination.
 *
 * @example
 * ```ts
 * import { electionSettingsFromEnv } from "./election_settings.ts";
 * const s = electionSettingsFromEnv({ LOCAL_LVM_RETRY_PERIOD_SECONDS: "0.5" });
 * if (s.timing.retryPeriodMs !== 500 || s.timing.leaseDurationMs !== 15_000) throw new Error();
 * ```
 */
export function electionSettingsFromEnv(env: Record<string, string | undefined>): ElectionSettings {
  const d = DEFAULT_ELECTION_TIMING;
  const timing = {
    leaseDurationMs: seconds(env, "LOCAL_LVM_LEASE_DURATION_SECONDS", d.leaseDurationMs),
    renewDeadlineMs: seconds(env, "LOCAL_LVM_RENEW_DEADLINE_SECONDS", d.renewDeadlineMs),
    retryPeriodMs: seconds(env, "LOCAL_LVM_RETRY_PERIOD_SECONDS", d.retryPeriodMs),
  };
  const problems = timingProblems(timing);
  if (problems.length > 0) {
    throw new Error(
      `LOCAL_LVM_LEASE_DURATION_SECONDS, _RENEW_DEADLINE_SECONDS and ` +
        `_RETRY_PERIOD_SECONDS: ${problems.join("; ")}`,
    );
  }
  return {
    timing,
    nodeGraceMs: seconds(env, "LOCAL_LVM_NODE_GRACE_SECONDS", DEFAULT_NODE_GRACE_MS),
  };
}
