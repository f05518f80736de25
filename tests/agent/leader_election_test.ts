/**
 * Leader election on a real API server, as a ServiceAccount allowed only get/create/update on
 * leases (what deploy/rbac.yaml grants): one leader at a time; a leader that dies is replaced
 * only after the lease expired, with `leaseTransitions` counted; a leader that cannot renew
 * steps down by the renew deadline, before anyone else may take over; a leader that sees
 * another holder steps down at once; a leader that stops releases the lease.
 */

import assert from "node:assert/strict";
import { waitFor } from "../infra/kube/api_client.ts";
import type { Cluster } from "../infra/kube/cluster.ts";
import { KubeLeaseStore, type LeaseObject } from "../../src/kube/lease.ts";
import { type ElectionTiming, LeaderElector } from "../../src/agent/leader_election.ts";
import type { KubeClients } from "../../src/kube/client.ts";
import {
  clusterSkipReason,
  serviceAccountClients,
  stopApiserver,
  TEST_NAMESPACE,
  withCluster,
} from "../kube/cluster_fixture.ts";

const TIMING: ElectionTiming = {
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_000,
  retryPeriodMs: 250,
};
const LEASE = `/apis/coordination.k8s.io/v1/namespaces/${TEST_NAMESPACE}/leases/test-leader`;

interface Candidate {
  name: string;
  elector: LeaderElector;
  clients: KubeClients;
  /** Local times at which it started and stopped leading. */
  started: number[];
  /** With the start of its last successful renewal. */
  stopped: { at: number; reason: string; renewedAt: number }[];
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function candidate(cluster: Cluster, name: string, clients?: KubeClients) {
  clients ??= await serviceAccountClients(cluster, name, [
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      verbs: ["get", "create", "update"],
    },
  ]);
  const c: Candidate = {
    name,
    clients,
    started: [],
    stopped: [],
    elector: undefined as unknown as LeaderElector,
  };
  c.elector = new LeaderElector({
    store: new KubeLeaseStore(clients.http, TEST_NAMESPACE, "test-leader", TIMING.renewDeadlineMs),
    identity: name,
    timing: TIMING,
    log: quiet,
    onStartedLeading: () => c.started.push(Date.now()),
    onStoppedLeading: (reason) =>
      c.stopped.push({ at: Date.now(), reason, renewedAt: c.elector.renewedAt }),
  });
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Samples both candidates every 20 ms for `ms`; fails if both ever think they lead. */
async function neverTwoLeaders(a: Candidate, b: Candidate, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    assert.ok(!(a.elector.isLeader() && b.elector.isLeader()), "two leaders at once");
    await sleep(20);
  }
}

Deno.test({
  name: "leader election against the API server",
  ignore: clusterSkipReason !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCluster(async (cluster) => {
      const api = cluster.api;
      const lease = async () => (await api.get(LEASE)) as LeaseObject;
      const a = await candidate(cluster, "agent-a");
      const b = await candidate(cluster, "agent-b");
      try {
        // One leader; the other waits while the leader renews.
        a.elector.start();
        await waitFor("a leads", () => Promise.resolve(a.elector.isLeader() || undefined), 10_000);
        b.elector.start();
        await neverTwoLeaders(a, b, 2 * TIMING.leaseDurationMs);
        assert.equal(b.started.length, 0, "b never led while a renewed");
        let l = await lease();
        assert.equal(l.spec?.holderIdentity, "agent-a");
        assert.equal(l.spec?.leaseDurationSeconds, 3);
        assert.equal(l.spec?.leaseTransitions, 0);
        assert.match(l.spec?.renewTime ?? "", /\.\d{6}Z$/, "MicroTime");

        // a loses its connection (as if its process froze): it steps down by the renew
        // deadline; b takes over only once the lease expired on its own clock.
        await a.clients.close();
        const lastRenew = Date.parse((await lease()).spec!.renewTime!);
        await waitFor("a steps down", () =>
          Promise.resolve(a.stopped.length > 0 || undefined), 10_000);
        const stepDown = a.stopped[0].at - lastRenew;
        // What matters: a stops acting before the lease may pass to anyone else.
        assert.ok(stepDown < TIMING.leaseDurationMs, `a stepped down after ${stepDown} ms`);
        assert.match(a.stopped[0].reason, /renew deadline/);
        assert.equal(a.elector.isLeader(), false);
        await waitFor("b leads", () =>
          Promise.resolve(b.elector.isLeader() || undefined), 15_000);
        const takeover = b.started[0] - lastRenew;
        assert.ok(takeover >= TIMING.leaseDurationMs, `b took over ${takeover} ms after a's renew`);
        assert.ok(b.started[0] > a.stopped[0].at, "a stepped down before b started");
        l = await lease();
        assert.equal(l.spec?.holderIdentity, "agent-b");
        assert.equal(l.spec?.leaseTransitions, 1);
        console.log(`a stepped down ${stepDown} ms and b took over ${takeover} ms after a's renew`);
        await a.elector.stop();

        // The API server goes away: b cannot renew and steps down by the deadline, though the
        // lease itself would still be valid for another second.
        const restart = await stopApiserver(cluster);
        await waitFor("b steps down", () =>
          Promise.resolve(b.stopped.length > 0 || undefined), 10_000);
        const bDown = b.stopped[0].at - b.stopped[0].renewedAt;
        assert.ok(
          bDown < TIMING.leaseDurationMs,
          `b stepped down ${bDown} ms after its last renewal`,
        );
        assert.match(b.stopped[0].reason, /renew deadline/);
        assert.equal(b.elector.isLeader(), false);
        await restart();
        await waitFor("b leads again", () =>
          Promise.resolve(b.elector.isLeader() || undefined), 20_000);
        console.log(`b stepped down ${bDown} ms after its last renewal, and leads again`);

        // The API server freezes (SIGSTOP): the renewal hangs, and b steps down at the deadline
        // all the same, aborting it.
        const apiserver = cluster.processes.find((p) =>
          p.name === "kube-apiserver"
        )!;
        const frozenBefore = b.stopped.length;
        Deno.kill(apiserver.pid, "SIGSTOP");
        try {
          await waitFor(
            "b steps down while its renewal hangs",
            () =>
              Promise.resolve(b.stopped.length > frozenBefore || undefined),
            10_000,
          );
        } finally {
          Deno.kill(apiserver.pid, "SIGCONT");
        }
        const frozen = b.stopped[frozenBefore];
        const bFrozen = frozen.at - frozen.renewedAt;
        assert.ok(bFrozen < TIMING.leaseDurationMs, `stepped down after ${bFrozen} ms`);
        assert.match(frozen.reason, /renew deadline/);
        await waitFor("b leads after the thaw", () =>
          Promise.resolve(b.elector.isLeader() || undefined), 20_000);
        console.log(
          `b stepped down ${bFrozen} ms after its last renewal while the API server was frozen`,
        );

        // Someone else writes the lease: b steps down at its next renewal, not at the deadline.
        const c = await candidate(cluster, "agent-c");
        const current = await lease();
        const stopsBefore = b.stopped.length;
        const written = Date.now();
        await api.patch(LEASE, {
          metadata: { resourceVersion: current.metadata.resourceVersion },
          spec: {
            holderIdentity: "intruder",
            renewTime: new Date().toISOString().replace("Z", "000Z"),
          },
        });
        await waitFor(
          "b sees the intruder",
          () =>
            Promise.resolve(b.stopped.length > stopsBefore || undefined),
        );
        const seen = b.stopped[stopsBefore].at - written;
        assert.ok(seen < TIMING.renewDeadlineMs, `stepped down after ${seen} ms`);
        assert.match(b.stopped[stopsBefore].reason, /held by intruder/);
        // The intruder never renews: after it expires, b takes the lease again.
        await waitFor(
          "b leads after the intruder",
          () =>
            Promise.resolve(b.elector.isLeader() || undefined),
          15_000,
        );
        assert.equal((await lease()).spec?.leaseTransitions, 2);

        // A leader that stops releases the lease: c takes over without waiting for expiry.
        c.elector.start();
        await sleep(500);
        assert.equal(c.started.length, 0);
        const released = Date.now();
        await b.elector.stop();
        // Released (c, trying every 500 ms, may already hold it by the time we look).
        assert.ok(
          ["", "agent-c"].includes((await lease()).spec?.holderIdentity ?? ""),
          "b released the lease",
        );
        await waitFor("c leads", () =>
          Promise.resolve(c.elector.isLeader() || undefined), 10_000);
        const handover = c.started[0] - released;
        assert.ok(handover < TIMING.leaseDurationMs, `c took over ${handover} ms after release`);
        assert.equal((await lease()).spec?.leaseTransitions, 3);
        await c.elector.stop();
        await c.clients.close();
      } finally {
        await a.elector.stop();
        await b.elector.stop();
        await b.clients.close();
      }
    }),
});
