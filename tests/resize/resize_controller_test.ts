/**
 * The agent's expansion controller on the simulated host: which claims it acts on, and that
 * an infeasible size is not retried in a loop (our own status patch re-queues the claim) but
 * is tried again after the wait or when the request changes.
 */
import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { INFEASIBLE_RETRY_MS, ResizeController } from "../../src/agent/resize_controller.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { requestSize, type ResizeWorld, resizeWorld, runnerFor } from "./world.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function controller(w: ResizeWorld, clock: { now: number }, node = "node-a") {
  const parsed = parseConfig(`{"nodeVGMap":[{"node":"${node}","path":"/data","vgs":["vg0"]}]}`);
  if (!parsed.ok) throw new Error(parsed.errors.join());
  const cache = <T>(map: Map<string, T>) => ({
    get: (key: string) => structuredClone(map.get(key)) as KubeObject | undefined,
    list: () => [...map.values()] as KubeObject[],
  });
  return new ResizeController({
    nodeName: node,
    hostnameLabel: () => node,
    config: () => parsed.config,
    exec: new AllowlistExecutor(w.host),
    claims: cache(w.claims.claims),
    persistentVolumes: cache(w.kube.volumes),
    log: silent,
    volumes: w.kube,
    claimStatus: w.claims,
    runner: runnerFor(w),
    journal: w.journal,
    now: () => clock.now,
  });
}

const lvextends = (w: ResizeWorld) => w.host.log.filter((l) => l.argv[0] === "lvextend").length;

Deno.test("an infeasible size waits; a new request or the wait brings a new attempt", async () => {
  const w = await resizeWorld();
  const clock = { now: 1_000_000 };
  const c = controller(w, clock);
  requestSize(w, "1Gi");
  assert.deepEqual(await c.reconcile("default/data"), { requeueAfterMs: INFEASIBLE_RETRY_MS });
  assert.equal(lvextends(w), 1);
  clock.now += 1000;
  // Our own status patch brings the claim back at once: no second attempt.
  assert.deepEqual(await c.reconcile("default/data"), {
    requeueAfterMs: INFEASIBLE_RETRY_MS - 1000,
  });
  assert.equal(lvextends(w), 1);
  clock.now += INFEASIBLE_RETRY_MS;
  await c.reconcile("default/data");
  assert.equal(lvextends(w), 2, "tried again after the wait");
  requestSize(w, "40Mi");
  assert.equal(await c.reconcile("default/data"), undefined);
  assert.equal(w.host.listLvs()[0].sizeBytes, 40 * 1024 ** 2);
  assert.equal(await c.reconcile("default/data"), undefined, "done: nothing more");
  assert.equal(lvextends(w), 3);
});

Deno.test("claims of other nodes, unbound or not growing are left alone", async () => {
  const w = await resizeWorld();
  requestSize(w, "40Mi");
  const elsewhere = controller(w, { now: 0 }, "node-b");
  assert.equal(await elsewhere.reconcile("default/data"), undefined);
  assert.equal(lvextends(w), 0, "another node's volume");
  const here = controller(w, { now: 0 });
  assert.equal(await here.reconcile("default/missing"), undefined);
  const claim = w.claims.claims.get("default/data")!;
  (claim.status as { phase: string }).phase = "Pending";
  assert.equal(await here.reconcile("default/data"), undefined);
  assert.equal(lvextends(w), 0, "not bound");
  (claim.status as { phase: string }).phase = "Bound";
  requestSize(w, "8Mi");
  assert.equal(await here.reconcile("default/data"), undefined);
  assert.equal(lvextends(w), 0, "not asking for more");
  assert.deepEqual(w.claims.patches, []);
});
