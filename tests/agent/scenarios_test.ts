/**
 * The agent's behaviour on the real control plane, one environment shared by the steps:
 * Delete vs Retain and two classes, the DEFAULT entry, a disabled node, bad claims, a
 * failing command's stderr reaching the claim within 2 s, claims a node cannot serve handed back
 * to the scheduler (bad claims are not), config hot reload through the
 * ConfigMap, and agents ignoring other nodes' work.
 */
import assert from "node:assert/strict";
import {
  claimPath,
  createClaim,
  pinnedNode,
  SELECTED_NODE,
  waitBound,
  waitEvent,
  waitGone,
} from "./claims.ts";
import { GiB, MiB, startEnvironment } from "./environment.ts";
import { CAPACITIES } from "./capacities.ts";

const CONFIG = {
  nodeVGMap: [
    { node: "DEFAULT_VGS_FOR_NON_LISTED_NODES", path: "/data", vgs: ["vg1"] },
    { node: "node-a", path: "/volumes", vgs: ["vg0", "vg1"] },
    { node: "node-c", path: "/data", vgs: [] },
  ],
};

Deno.test({
  name: "agent scenarios on the real control plane",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = await startEnvironment([
      {
        name: "node-a",
        vgs: [{ name: "vg0", sizeBytes: 1 * GiB }, { name: "vg1", sizeBytes: 1 * GiB }],
      },
      { name: "node-b", vgs: [{ name: "vg1", sizeBytes: 512 * MiB }] },
      { name: "node-c", vgs: [{ name: "vg1", sizeBytes: 1 * GiB }] },
    ], { agents: false });
    const api = env.api;
    try {
      await env.setConfig(CONFIG);
      await Promise.all(["node-a", "node-b", "node-c"].map((n) => env.startAgent(n)));
      await api.create("/apis/storage.k8s.io/v1/storageclasses", {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "local-lvm-retain" },
        provisioner: "local-lvm.io",
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
      });

      await t.step("Delete removes everything; Retain keeps the volume mounted", async () => {
        await createClaim(api, { name: "del", node: "node-a", size: "100Mi" });
        await createClaim(api, {
          name: "ret",
          node: "node-a",
          size: "5Mi",
          storageClass: "local-lvm-retain",
        });
        const del = await waitBound(api, "del");
        const ret = await waitBound(api, "ret");
        const delPv = await api.get(`/api/v1/persistentvolumes/${del.spec.volumeName}`);
        const retPv = await api.get(`/api/v1/persistentvolumes/${ret.spec.volumeName}`);
        assert.equal(pinnedNode(delPv), "node-a");
        assert.equal(delPv.spec.capacity.storage, "100Mi");
        assert.equal(
          retPv.spec.capacity.storage,
          "8Mi",
          "5Mi rounds up to two 4 MiB extents",
        );
        assert.equal(retPv.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.equal(delPv.spec.hostPath.path, `/volumes/${delPv.metadata.name}/data`);
        await waitEventually(async () => {
          const pv = await api.get(`/api/v1/persistentvolumes/${del.spec.volumeName}`);
          assert.ok(
            pv.metadata.finalizers?.includes("local-lvm.io/storage"),
            "finalizer on a Bound Delete PV",
          );
        });
        assert.deepEqual(
          await env.lvNames("node-a"),
          [delPv.metadata.name, retPv.metadata.name].sort(),
        );
        // Events are sent beside the work, not before it: the claim may be Bound first.
        await waitEvent(api, "del", "Provisioning");
        await waitEvent(api, "del", "ProvisioningSucceeded");

        await api.delete(claimPath("del"));
        await api.delete(claimPath("ret"));
        await waitGone(api, `/api/v1/persistentvolumes/${delPv.metadata.name}`);
        const released = await waitEventually(async () => {
          const pv = await api.get(`/api/v1/persistentvolumes/${retPv.metadata.name}`);
          assert.equal(pv.status.phase, "Released");
          assert.ok(
            !pv.metadata.finalizers?.includes("local-lvm.io/storage"),
            "no finalizer on Retain",
          );
          return pv;
        });
        assert.ok(released);
        assert.deepEqual(await env.lvNames("node-a"), [retPv.metadata.name]);
        const mounts = await env.node("node-a", (h) => h.mounts().map((m) => m.target));
        assert.deepEqual(mounts, [`/volumes/${retPv.metadata.name}`]);
        await api.delete(`/api/v1/persistentvolumes/${retPv.metadata.name}`);
        await waitGone(api, `/api/v1/persistentvolumes/${retPv.metadata.name}`);
        assert.deepEqual(
          await env.lvNames("node-a"),
          [retPv.metadata.name],
          "Retain: storage stays",
        );
      });

      await t.step("a node not in the config uses the DEFAULT entry", async () => {
        await createClaim(api, { name: "dflt", node: "node-b" });
        const c = await waitBound(api, "dflt");
        const pv = await api.get(`/api/v1/persistentvolumes/${c.spec.volumeName}`);
        assert.equal(pv.spec.hostPath.path, `/data/${pv.metadata.name}/data`);
        assert.equal((await env.node("node-b", (h) => h.listLvs()))[0].vg, "vg1");
      });

      await t.step("bad claims get a Warning with the reason and nothing is created", async () => {
        const cases: [Parameters<typeof createClaim>[1], RegExp][] = [
          [{ name: "disabled", node: "node-c" }, /no local volume group available on node node-c/],
          [
            { name: "block", node: "node-a", volumeMode: "Block" },
            /block volumes are not supported/,
          ],
          [{ name: "rwx", node: "node-a", accessModes: ["ReadWriteMany"] }, /ReadWriteMany/],
          [{ name: "huge", node: "node-a", size: "5Gi" }, /no volume group can fit 5 GiB/],
        ];
        for (const [claim] of cases) await createClaim(api, claim);
        for (const [claim, reason] of cases) {
          const event = await waitEvent(api, claim.name, "ProvisioningFailed", reason);
          assert.equal(event.type, "Warning");
        }
        // "This node cannot" (disabled, too small) hands the claim back to the scheduler; a bad
        // claim keeps its node: no other node could serve it either.
        const rescheduled = ["disabled", "huge"];
        await waitEventually(async () => {
          for (const [{ name }] of cases) {
            const c = await api.get(claimPath(name));
            assert.equal(
              c.metadata.annotations?.[SELECTED_NODE] === undefined,
              rescheduled.includes(name),
              `${name}: selected-node removed iff rescheduled`,
            );
          }
        });
        for (const name of rescheduled) {
          await waitEvent(api, name, "ProvisioningFailed", /the scheduler will pick another node/);
        }
        assert.equal(
          (await api.get("/api/v1/persistentvolumes")).items.length,
          1,
          "only dflt's PV",
        );
        assert.deepEqual(await env.lvNames("node-c"), []);
        for (const [claim] of cases.slice(1)) await api.delete(claimPath(claim.name));
      });

      await t.step(
        "a failing command's stderr reaches the claim within 2 s, and nothing leaks",
        async () => {
          const stderr =
            '  Volume group "vg0" has insufficient free space (3 extents): 26 required.';
          await env.node("node-a", (_, faults) => {
            faults.failures.push({
              argvPrefix: ["lvcreate"],
              code: 5,
              stderr: stderr + "\n",
              times: 1,
            });
          });
          const started = Date.now();
          await createClaim(api, { name: "fails-once", node: "node-a", size: "100Mi" });
          const event = await waitEvent(
            api,
            "fails-once",
            "ProvisioningFailed",
            /insufficient free space/,
            5_000,
          );
          // The agent's own stamp on the event (same host clock): the test's polling is not in it.
          const stamped = Date.parse(event.eventTime ?? event.lastTimestamp);
          assert.ok(Number.isFinite(stamped), `event time ${event.eventTime}`);
          const elapsed = stamped - started;
          assert.ok(elapsed < 2_000, `event after ${elapsed} ms`);
          assert.match(event.message ?? event.note, /lvcreate/);
          // The retry (with back-off) succeeds, leaving exactly one LV.
          const c = await waitBound(api, "fails-once");
          assert.ok((await env.lvNames("node-a")).includes(c.spec.volumeName));
        },
      );

      await t.step(
        "config hot reload through the ConfigMap: a disabled node is enabled",
        async () => {
          await env.setConfig({
            nodeVGMap: [
              { node: "node-a", path: "/volumes", vgs: ["vg0", "vg1"] },
              { node: "node-c", path: "/data", vgs: ["vg1"] },
            ],
          });
          // node-c's agent has the new config once it publishes capacity for node-c.
          await waitEventually(async () => {
            const list = await api.get(`${CAPACITIES}?labelSelector=local-lvm.io%2Fnode%3Dnode-c`);
            assert.ok(list.items.length > 0, "node-c publishes");
          });
          // "disabled" went back to the scheduler; its next pick is node-c again.
          await api.patch(claimPath("disabled"), {
            metadata: { annotations: { [SELECTED_NODE]: "node-c" } },
          });
          const c = await waitBound(api, "disabled", 30_000);
          assert.deepEqual(await env.lvNames("node-c"), [c.spec.volumeName]);
          // node-b's agent has it once it withdraws node-b's capacity (no longer covered).
          await waitEventually(async () => {
            const list = await api.get(`${CAPACITIES}?labelSelector=local-lvm.io%2Fnode%3Dnode-b`);
            assert.equal(list.items.length, 0, "node-b withdraws its capacity");
          });
          await createClaim(api, { name: "nodefault", node: "node-b" });
          await waitEvent(
            api,
            "nodefault",
            "ProvisioningFailed",
            /config doesn't contain node node-b, and no DEFAULT_VGS_FOR_NON_LISTED_NODES available/,
          );
          await api.delete(claimPath("nodefault"));
        },
      );

      await t.step("a volume made by the original project is torn down the same way", async () => {
        // What the original's helper pod left: its tags, mkfs -U <uid>, mounted at
        // <path>/<namespace>-<claim>, a DirectoryOrCreate PV provisioned by mein.io/local-lvm.
        const claim = await createClaim(api, { name: "legacy", storageClass: "local-lvm" });
        const uid = claim.metadata.uid;
        const pvName = `pvc-${uid}`;
        await env.node("node-b", async (h) => {
          for (
            const argv of [
              [
                "lvcreate",
                "--yes",
                "--size",
                "8388608b",
                "--name",
                pvName,
                "--addtag",
                "local-lvm-provisioner",
                "--addtag",
                "mount=/data",
                "--addtag",
                "pvname=default-legacy",
                "vg1",
              ],
              ["mkfs.ext4", "-q", "-m", "0", "-U", uid, `/dev/vg1/${pvName}`],
              ["mkdir", "-p", "/data/default-legacy"],
              ["mount", "-t", "ext4", `/dev/vg1/${pvName}`, "/data/default-legacy"],
            ]
          ) {
            const r = await h.run(argv);
            assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
          }
        });
        await api.create("/api/v1/persistentvolumes", {
          apiVersion: "v1",
          kind: "PersistentVolume",
          metadata: {
            name: pvName,
            annotations: { "pv.kubernetes.io/provisioned-by": "mein.io/local-lvm" },
          },
          spec: {
            capacity: { storage: "64Mi" },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Delete",
            storageClassName: "local-lvm",
            volumeMode: "Filesystem",
            claimRef: {
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              namespace: "default",
              name: "legacy",
              uid,
            },
            hostPath: { path: "/data/default-legacy", type: "DirectoryOrCreate" },
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [{
                  matchExpressions: [{
                    key: "kubernetes.io/hostname",
                    operator: "In",
                    values: ["node-b"],
                  }],
                }],
              },
            },
          },
        });
        await waitBound(api, "legacy");
        await api.delete(claimPath("legacy"));
        await waitGone(api, `/api/v1/persistentvolumes/${pvName}`);
        assert.ok(!(await env.lvNames("node-b")).includes(pvName), "legacy LV removed");
        const state = await env.node("node-b", (h) => ({
          mounts: h.mounts().map((m) => m.target),
          dir: h.exists("/data/default-legacy"),
        }));
        assert.ok(!state.mounts.includes("/data/default-legacy"));
        assert.equal(state.dir, false, "legacy mount point removed");
      });

      await t.step("an agent never touches another node's claims or volumes", async () => {
        const pvs = (await api.get("/api/v1/persistentvolumes")).items;
        for (const pv of pvs) {
          const owner = pinnedNode(pv);
          for (const node of ["node-a", "node-b", "node-c"]) {
            const has = (await env.lvNames(node)).includes(pv.metadata.name);
            assert.equal(has, node === owner, `${pv.metadata.name} on ${node}`);
          }
        }
        const selected: Record<string, string> = {
          del: "node-a",
          ret: "node-a",
          dflt: "node-b",
          disabled: "node-c",
          block: "node-a",
          rwx: "node-a",
          huge: "node-a",
          "fails-once": "node-a",
          nodefault: "node-b",
        };
        let seen = 0;
        for (const [node, agent] of env.agents) {
          for (const line of await agent.logLines()) {
            if (!String(line.message ?? "").startsWith('Provisioning "')) continue;
            const name = String(line.claim).split("/")[1];
            assert.equal(selected[name], node, `${node} worked on ${name}`);
            seen++;
          }
        }
        assert.ok(seen >= Object.keys(selected).length, `every claim was worked on (${seen})`);
      });
    } finally {
      await env.stop();
    }
  },
});

/** Retries an assertion for a while (the cluster is eventually consistent). */
async function waitEventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
