/**
 * One real node in the real cluster: the control plane of tests/agent/environment.ts with two
 * fake Nodes, one simulated and one backed by the QEMU guest. The guest's agent is a child
 * process with the `start` task's permissions, like every test agent, and
 * `LOCAL_LVM_HOST=remote:127.0.0.1:<port>`, so its commands run on real lvm2, mkfs, mount and
 * systemd. A pod that must run on that node gets its claim Bound with a real LV behind it
 * (the guest's own lvs, findmnt and unit file say so; the PV's capacity is the LV's size);
 * data written through the guest lands on the LV; deleting the claim removes the PV and
 * leaves nothing on the guest.
 *
 * ```sh
 * npx --yes deno@2.9.6 test --frozen --allow-read --allow-write --allow-env --allow-sys=uid \
 *   --allow-run --allow-net=127.0.0.1,localhost tests/guest/cluster_node_test.ts
 * ```
 *
 * Skips with a message when QEMU, the guest image or the Kubernetes binaries are missing.
 */
import assert from "node:assert/strict";
import { mountUnitName } from "../../src/decide/systemd_escape.ts";
import { parseQuantityBytes } from "../../src/decide/quantity.ts";
import { findKubeBinaries } from "../infra/kube/binaries.ts";
import { type Environment, startEnvironment } from "../agent/environment.ts";
import { claimPath, createClaim, waitBound, waitEvent, waitGone } from "../agent/claims.ts";
import { createPod, deletePod, waitScheduled } from "../agent/pods.ts";
import {
  bootTierGuest,
  type GuestContext,
  guestSha256,
  MiB,
  payload,
  sh,
  sha256Hex,
  skipReason,
} from "./context.ts";
import { listGuestLvs, mapperPath, NOTHING_LEFT, readVolumeState } from "./node_state.ts";

const GUEST_NODE = "guest-node";
const SIM_NODE = "sim-node";
/** deploy/configmap.yaml's default entry: every node mounts under /data from vg1. */
const BASE = "/data";

async function whySkip(): Promise<string | undefined> {
  const guest = await skipReason();
  if (guest) return guest;
  if (!(await findKubeBinaries())) {
    return "Kubernetes binaries not built (bash tests/infra/kube/build.sh)";
  }
  return undefined;
}

const skip = await whySkip();
if (skip) console.warn(`guest node in the real cluster: skipped, ${skip}`);

Deno.test({
  name: "a fake Node backed by the guest: claim Bound on a real LV, deleted with nothing left",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const started = performance.now();
    const dir = await Deno.makeTempDir({ prefix: "local-lvm-guest-node-" });
    let ctx: GuestContext | undefined;
    let env: Environment | undefined;
    try {
      ctx = await bootTierGuest(dir);
      const booted = performance.now();
      env = await startEnvironment([
        { name: GUEST_NODE, vgs: [], host: `remote:127.0.0.1:${ctx.guest.exec.port}` },
        { name: SIM_NODE, vgs: [{ name: "vg1", sizeBytes: 10 * 1024 * MiB }] },
      ]);
      const api = env.api;
      const clusterUp = performance.now();

      // 10 MiB rounds up to 12 MiB (4 MiB extents): the PV must say what lvm really made.
      await createClaim(api, { name: "real", size: "10Mi" });
      await createPod(api, { name: "real-pod", claim: "real", onlyNode: GUEST_NODE });
      assert.equal(await waitScheduled(api, "real-pod", 120_000), GUEST_NODE);
      const claim = await waitBound(api, "real", 120_000);
      const bound = performance.now();
      const pvName = claim.spec.volumeName;
      assert.equal(pvName, `pvc-${claim.metadata.uid}`);
      await waitEvent(api, "real", "ProvisioningSucceeded");

      const [lv, ...more] = await listGuestLvs(ctx, ["--select", `lv_name=${pvName}`]);
      assert.deepEqual(more, [], "one LV of that name");
      assert.equal(lv.vg, "vg1");
      assert.equal(lv.sizeBytes, 12 * MiB, "the guest's lvs: 10 MiB rounded up to extents");
      assert.deepEqual(lv.tags.toSorted(), [
        "local-lvm-provisioner",
        `mount=${BASE}`,
        "pvname=default-real",
      ]);
      const pv = await api.get(`/api/v1/persistentvolumes/${pvName}`);
      const capacity = parseQuantityBytes(pv.spec.capacity.storage);
      assert.ok(capacity.ok && capacity.bytes === lv.sizeBytes, pv.spec.capacity.storage);
      assert.equal(
        pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0],
        GUEST_NODE,
      );

      const mountPoint = `${BASE}/${pvName}`;
      const spec = {
        pvName,
        mountPoint,
        hostPath: pv.spec.hostPath.path,
        unitName: mountUnitName(mountPoint),
      };
      assert.equal(spec.hostPath, `${mountPoint}/data`);
      const state = await readVolumeState(ctx, spec);
      assert.deepEqual(state.fs, { type: "ext4", uuid: claim.metadata.uid }, "blkid");
      assert.deepEqual(state.mount, { source: mapperPath("vg1", pvName), fstype: "ext4" });
      assert.ok(state.dataDirExists && state.unitFileExists && state.activationFileExists);
      assert.deepEqual(state.wantedBy, ["local-fs.target.wants", "kubelet.service.wants"]);
      const unit = await sh(ctx, ["cat", `/etc/systemd/system/${spec.unitName}`]);
      assert.match(unit, new RegExp(`^What=/dev/vg1/${pvName}$`, "m"));
      assert.match(unit, new RegExp(`^Where=${mountPoint}$`, "m"));
      assert.match(unit, /^Before=kubelet\.service$/m);
      assert.equal((await sh(ctx, ["systemctl", "is-enabled", spec.unitName])).trim(), "enabled");
      // systemd itself knows the unit from our file, with no daemon-reload while provisioning.
      const known = await sh(ctx, [
        "systemctl",
        "show",
        "--property=FragmentPath,ActiveState,NeedDaemonReload",
        spec.unitName,
      ]);
      assert.deepEqual(known.trim().split("\n").sort(), [
        "ActiveState=active",
        `FragmentPath=/etc/systemd/system/${spec.unitName}`,
        "NeedDaemonReload=no",
      ]);

      // What a pod would write lands on the LV, not on the root filesystem.
      const file = `${spec.hostPath}/payload.txt`;
      const text = payload("guest-node");
      await sh(ctx, ["tee", file], text);
      assert.equal(await guestSha256(ctx, file), await sha256Hex(text));
      const holder = JSON.parse(
        await sh(ctx, ["findmnt", "--json", "--output", "SOURCE", "--target", file]),
      );
      assert.equal(holder.filesystems[0].source, mapperPath("vg1", pvName));

      await deletePod(api, "real-pod");
      await api.delete(claimPath("real"));
      await waitGone(api, `/api/v1/persistentvolumes/${pvName}`, 120_000);
      const gone = performance.now();
      assert.deepEqual(await readVolumeState(ctx, spec), NOTHING_LEFT, "nothing left on the guest");
      assert.deepEqual(await listGuestLvs(ctx, ["@local-lvm-provisioner"]), []);
      const forgotten = await sh(ctx, ["systemctl", "show", "--property=LoadState", spec.unitName]);
      assert.equal(forgotten.trim(), "LoadState=not-found", "systemd forgot the unit");
      assert.deepEqual(await env.node(SIM_NODE, (h) => h.listLvs()), [], "the other node: none");
      const s = (a: number, b: number) => `${((b - a) / 1000).toFixed(1)} s`;
      console.log(
        `  guest boot ${s(started, booted)}, control plane and agents ${s(booted, clusterUp)}, ` +
          `claim Bound ${s(clusterUp, bound)}, deleted and gone ${s(bound, gone)}`,
      );
    } catch (error) {
      const agent = env?.agents.get(GUEST_NODE);
      if (agent) console.error(`--- agent ${GUEST_NODE}:\n${await agent.tail(60)}`);
      throw error;
    } finally {
      await env?.stop();
      await ctx?.guest.stop();
      await Deno.remove(dir, { recursive: true });
      console.log(
        `guest node in the cluster: ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  },
});
