/**
 * Online expansion on the real control plane: a bound claim asks for more, the agent on its
 * node grows the LV and the mounted filesystem and reports it on the claim as `kubectl get
 * pvc` shows it. A SIGKILL between lvextend and the filesystem growing recovers forwards; a
 * full volume group fails cleanly (the real API server accepts our status values) and a
 * smaller retry, which Kubernetes allows after an infeasible one, succeeds.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { claimPath, createClaim, waitBound, waitEvent, waitGone } from "./claims.ts";
import { MiB, startEnvironment, waitFor } from "./environment.ts";
import type { KubeObject } from "../infra/kube/api_client.ts";

const NAME = "grow";

function journalFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(join(dir, "state", "journal"))].map((e) => e.name);
  } catch {
    return [];
  }
}

Deno.test({
  name: "online expansion: Resizing, lvextend, growfs, PV, claim capacity, events",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const started = performance.now();
    const env = await startEnvironment([{
      name: "node-a",
      vgs: [{ name: "vg1", sizeBytes: 256 * MiB, extentBytes: 4 * MiB }],
    }]);
    const api = env.api;
    const path = claimPath(NAME);
    const lvOf = (pv: string) => env.node("node-a", (h) => h.listLvs().find((l) => l.name === pv));
    const request = (storage: string) =>
      api.patch(path, { spec: { resources: { requests: { storage } } } });
    const waitCapacity = (storage: string, timeoutMs = 30_000) =>
      waitFor(`claim capacity ${storage}`, async () => {
        const c = await api.get(path);
        const done = c.status?.capacity?.storage === storage &&
          (c.status?.conditions ?? []).length === 0;
        return done ? c : undefined;
      }, timeoutMs);
    try {
      await createClaim(api, { name: NAME, node: "node-a", size: "64Mi" });
      const bound = await waitBound(api, NAME);
      const pvName = bound.spec.volumeName as string;
      const payload = "data that must survive growing\n".repeat(100);
      await env.node("node-a", (h) => h.writeFile(`/data/${pvName}/data/payload.txt`, payload));

      await t.step("64Mi -> 100Mi: everything says 100Mi", async () => {
        const t0 = performance.now();
        await request("100Mi");
        const claim = await waitCapacity("100Mi");
        console.log(`grown in ${Math.round(performance.now() - t0)} ms`);
        assert.deepEqual(claim.status.allocatedResources, { storage: "100Mi" });
        assert.equal(claim.status.allocatedResourceStatuses, undefined);
        const pv = await api.get(`/api/v1/persistentvolumes/${pvName}`);
        assert.equal(pv.spec.capacity.storage, "100Mi");
        const lv = await lvOf(pvName);
        assert.equal(lv?.sizeBytes, 100 * MiB);
        assert.equal(lv?.filesystem?.sizeBytes, 100 * MiB, "filesystem grown");
        await waitEvent(api, NAME, "VolumeResizeSuccessful");
        await waitEvent(api, NAME, "Resizing");
        // kube-controller-manager's expand controller hands hostPath volumes to us.
        await waitEvent(api, NAME, "ExternalExpanding");
        const table = await env.cluster.kubectl(["get", "pvc", NAME, "-n", "default"]);
        console.log(table.trimEnd());
        assert.match(table, new RegExp(`${NAME}\\s+Bound\\s+${pvName}\\s+100Mi\\s+RWO`));
      });

      await t.step("SIGKILL between lvextend and growfs: the restart finishes it", async () => {
        // Slow enough that the kill lands while grow-fs runs (findmnt, resize2fs: 2 s).
        await env.node("node-a", (_, faults) => (faults.delayMs = 1_000));
        await request("140Mi");
        await waitFor(
          "LV extended",
          async () => (await lvOf(pvName))?.sizeBytes === 140 * MiB || undefined,
          20_000,
        );
        const agent = env.agents.get("node-a")!;
        await agent.stop("SIGKILL");
        const lv = await lvOf(pvName);
        const journal = journalFiles(join(env.dir, "node-a"));
        console.log(
          `killed: LV ${lv!.sizeBytes / MiB} MiB, filesystem ${
            lv!.filesystem!.sizeBytes / MiB
          } MiB, journal ${journal.join(",")}`,
        );
        // The kill may land inside a journal write, between its temporary file and the rename.
        assert.deepEqual(journal.filter((f) => !f.endsWith(".tmp")), [`resize-${pvName}.json`]);
        await env.node("node-a", (_, faults) => (faults.delayMs = 0));
        await env.startAgent("node-a");
        await waitCapacity("140Mi");
        assert.equal((await lvOf(pvName))?.filesystem?.sizeBytes, 140 * MiB);
        assert.deepEqual(journalFiles(join(env.dir, "node-a")), []);
        const pv = await api.get(`/api/v1/persistentvolumes/${pvName}`);
        assert.equal(pv.spec.capacity.storage, "140Mi");
      });

      await t.step(
        "VG full: VolumeResizeFailed with lvm's stderr, Infeasible, LV unchanged",
        async () => {
          await request("1Gi");
          const event = await waitEvent(
            api,
            NAME,
            "VolumeResizeFailed",
            /Insufficient free space: \d+ extents needed, but only \d+ available/,
          );
          console.log(`VolumeResizeFailed: ${event.message ?? event.note}`);
          const claim: KubeObject = await waitFor("Infeasible", async () => {
            const c = await api.get(path);
            return c.status?.allocatedResourceStatuses?.storage === "ControllerResizeInfeasible"
              ? c
              : undefined;
          }, 15_000);
          assert.equal(claim.status.capacity.storage, "140Mi");
          assert.deepEqual(claim.status.allocatedResources, { storage: "1Gi" });
          assert.deepEqual(
            claim.status.conditions.map((c: { type: string }) => c.type),
            ["ControllerResizeError"],
          );
          const lv = await lvOf(pvName);
          assert.equal(lv?.sizeBytes, 140 * MiB, "LV unchanged");
          assert.equal(lv?.filesystem?.sizeBytes, 140 * MiB, "filesystem unchanged");
          const pv = await api.get(`/api/v1/persistentvolumes/${pvName}`);
          assert.equal(pv.spec.capacity.storage, "140Mi");
          console.log(
            (await env.cluster.kubectl(["get", "pvc", NAME, "-n", "default", "-o", "json"]))
              .match(/"status": \{[^]*$/)?.[0].trimEnd(),
          );
        },
      );

      await t.step("a smaller retry after the infeasible one succeeds", async () => {
        // Kubernetes lets the request come down to anything above the capacity.
        await request("160Mi");
        const claim = await waitCapacity("160Mi");
        assert.equal(claim.status.allocatedResourceStatuses, undefined);
        assert.deepEqual(claim.status.allocatedResources, { storage: "160Mi" });
        assert.equal((await lvOf(pvName))?.filesystem?.sizeBytes, 160 * MiB);
        assert.equal(
          await env.node("node-a", (h) => h.readFile(`/data/${pvName}/data/payload.txt`)),
          payload,
          "data intact",
        );
      });

      await t.step(
        "the API server knows no ControllerResizeFailed: why transient failures keep InProgress",
        async () => {
          const refused = await api.patch(`${path}/status`, {
            status: { allocatedResourceStatuses: { storage: "ControllerResizeFailed" } },
          }).then(() => undefined, (error) => error as Error);
          assert.ok(refused, "the API server accepted an unknown resize status");
          assert.match(
            refused.message,
            /422 Invalid: .*supported values: "ControllerResizeInProgress", "ControllerResizeInfeasible"/,
          );
          console.log(refused.message.slice(0, 400));
        },
      );

      await api.delete(path);
      await waitGone(api, `/api/v1/persistentvolumes/${pvName}`);
      assert.deepEqual(await env.node("node-a", (h) => h.listLvs()), []);
    } finally {
      await env.stop();
      console.log(
        `resize control-plane test: ${Math.round((performance.now() - started) / 1000)} s`,
      );
    }
  },
});
