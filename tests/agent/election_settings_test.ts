import assert from "node:assert/strict";
import {
  DEFAULT_NODE_GRACE_MS,
  electionSettingsFromEnv,
} from "../../src/agent/election_settings.ts";
import { DEFAULT_ELECTION_TIMING } from "../../src/agent/leader_election.ts";
import { settingsFromEnv } from "../../src/agent/settings.ts";

Deno.test("election settings default to client-go's timing and a five-minute grace", () => {
  assert.deepEqual(electionSettingsFromEnv({}), {
    timing: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    nodeGraceMs: DEFAULT_NODE_GRACE_MS,
  });
  assert.deepEqual(settingsFromEnv({ NODE_NAME: "n1" }).election.timing, DEFAULT_ELECTION_TIMING);
});

Deno.test("election settings read seconds, fractions allowed where the Lease allows", () => {
  const s = electionSettingsFromEnv({
    LOCAL_LVM_LEASE_DURATION_SECONDS: "3",
    LOCAL_LVM_RENEW_DEADLINE_SECONDS: "2",
    LOCAL_LVM_RETRY_PERIOD_SECONDS: "0.5",
    LOCAL_LVM_NODE_GRACE_SECONDS: "4",
  });
  assert.deepEqual(s, {
    timing: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 },
    nodeGraceMs: 4_000,
  });
});

Deno.test("bad election settings are refused with the reason", () => {
  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(() => electionSettingsFromEnv(env), pattern);
  refused({ LOCAL_LVM_RETRY_PERIOD_SECONDS: "soon" }, /LOCAL_LVM_RETRY_PERIOD_SECONDS=soon is not/);
  refused({ LOCAL_LVM_NODE_GRACE_SECONDS: "-1" }, /LOCAL_LVM_NODE_GRACE_SECONDS=-1 is not/);
  refused(
    { LOCAL_LVM_LEASE_DURATION_SECONDS: "1.5" },
    /the lease duration must be a whole number of seconds/,
  );
  refused(
    { LOCAL_LVM_RENEW_DEADLINE_SECONDS: "15" },
    /the lease duration must be greater than the renew deadline/,
  );
  refused(
    { LOCAL_LVM_RETRY_PERIOD_SECONDS: "9" },
    /the renew deadline must be greater than 1.2 × the retry period/,
  );
  refused({ LOCAL_LVM_RETRY_PERIOD_SECONDS: "0" }, /the retry period must be greater than zero/);
});
