/**
 * Clones on real lvm2, ext4 and xfs: the source stays mounted and is written to while the
 * clone is made; the clone holds exactly the source's files as they were at the snapshot
 * (sha256), has its own filesystem UUID (the claim's uid), is mounted next to its source,
 * may be larger than it, and no snapshot is left behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CommandResult, Executor, RunOptions } from "../../src/host/executor.ts";
import { planClone } from "../../src/provision/clone_plan.ts";
import { listOurSnapshots } from "../../src/provision/snapshots.ts";
import type { FsType, VolumeSpec } from "../../src/volume.ts";
import {
  code,
  engineFor,
  type GuestContext,
  guestSha256,
  newWorld,
  payload,
  planSpec,
  sh,
  testUid,
  type TierCase,
} from "./context.ts";
import { provisionOk, teardownOk } from "./provision_cases.ts";

/** Runs `afterSnapshot` right after the snapshot is taken, before anything else. */
class SnapshotHook implements Executor {
  fired = false;
  /** Commands that changed the node, with their run times. */
  readonly ran: string[] = [];
  constructor(readonly inner: Executor, readonly afterSnapshot: () => Promise<void>) {}
  async run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const started = performance.now();
    const result = await this.inner.run(argv, options);
    if (!["lvs", "vgs", "blkid", "findmnt"].includes(argv[0])) {
      this.ran.push(
        `${(performance.now() - started).toFixed(0).padStart(6)} ms  ${argv.join(" ")}`,
      );
    }
    if (argv[0] === "lvcreate" && argv.includes("--snapshot") && result.code === 0) {
      this.fired = true;
      await this.afterSnapshot();
    }
    return result;
  }
}

/** sha256 of every file under a directory, by path relative to it. */
async function checksums(ctx: GuestContext, dir: string, files: string[]) {
  const out: Record<string, string> = {};
  for (const f of files) out[f] = await guestSha256(ctx, `${dir}/${f}`);
  return out;
}

function cloneCase(fsType: FsType, n: number, sizes: { source: string; clone: string }): TierCase {
  return {
    name: `clone ${fsType}: the source's files at snapshot time, own UUID, mounted beside it`,
    async fn(ctx) {
      const source = await planSpec(ctx.exec, {
        name: `clone-src-${fsType}`,
        uid: testUid(n),
        storage: sizes.source,
        fsType,
        vgs: ["vg0"],
      });
      const sourceWorld = await provisionOk(ctx, source);
      const files = ["a.txt", "sub/b.bin"];
      await sh(ctx, ["tee", `${source.hostPath}/a.txt`], payload(`clone-${fsType}`));
      await sh(ctx, ["mkdir", "-p", `${source.hostPath}/sub`]);
      await sh(ctx, [
        "dd",
        "if=/dev/urandom",
        `of=${source.hostPath}/sub/b.bin`,
        "bs=1M",
        "count=3",
        "status=none",
      ]);
      await sh(ctx, ["sync"]);
      const before = await checksums(ctx, source.hostPath, files);

      const bare = await planSpec(ctx.exec, {
        name: `clone-${fsType}`,
        uid: testUid(n + 1),
        storage: sizes.clone,
        fsType,
        vgs: ["vg1"],
      });
      const planned = await planClone(ctx.exec, bare, {
        claim: source.claim,
        pvName: source.pvName,
      });
      assert.ok(planned.ok, planned.ok ? "" : planned.reason);
      const clone: VolumeSpec = planned.spec;
      // The source stays online: right after the snapshot, it is changed and added to.
      const hook = new SnapshotHook(ctx.exec, async () => {
        await sh(ctx, ["tee", `${source.hostPath}/a.txt`], "changed after the snapshot\n");
        await sh(ctx, ["tee", `${source.hostPath}/late.txt`], "late\n");
        await sh(ctx, ["sync"]);
      });
      const world = newWorld();
      const started = performance.now();
      const outcome = await engineFor(ctx, world, hook).run(clone.pvName, clone);
      assert.equal(outcome.status, "completed", "error" in outcome ? outcome.error.message : "");
      console.log(`clone ${fsType}: ${(performance.now() - started).toFixed(0)} ms`);
      assert.ok(hook.fired);
      console.log(hook.ran.join("\n"));

      assert.deepEqual(await checksums(ctx, clone.hostPath, files), before, "files as at snapshot");
      assert.equal(await code(ctx, ["test", "-e", `${clone.hostPath}/late.txt`]), 1);
      assert.equal(await sh(ctx, ["cat", `${source.hostPath}/late.txt`]), "late\n");
      assert.notEqual((await checksums(ctx, source.hostPath, files))["a.txt"], before["a.txt"]);
      const blkid = await sh(ctx, [
        "blkid",
        "-p",
        "-o",
        "export",
        `/dev/${clone.vg}/${clone.pvName}`,
      ]);
      assert.match(blkid, new RegExp(`^UUID=${clone.claim.uid}$`, "m"), "the clone's own UUID");
      assert.match(blkid, new RegExp(`^TYPE=${fsType}$`, "m"));
      const mounts = await sh(ctx, ["findmnt", "-n", "-o", "TARGET", "-t", fsType]);
      assert.ok(mounts.includes(source.mountPoint) && mounts.includes(clone.mountPoint), mounts);
      // The filesystem has the clone's size, larger than the whole source volume.
      const df = await sh(ctx, ["stat", "-f", "-c", "%b %S", clone.mountPoint]);
      const [blocks, bsize] = df.trim().split(" ").map(Number);
      assert.ok(blocks * bsize > source.sizeBytes, `fs spans the clone: ${df}`);
      assert.deepEqual(await listOurSnapshots(ctx.exec), [], "no snapshot left");
      assert.equal(await code(ctx, ["test", "-e", clone.cloneFrom!.snapshotMountPoint]), 1);

      await teardownOk(ctx, clone, world);
      await teardownOk(ctx, source, sourceWorld);
    },
  };
}

export const cloneCases: TierCase[] = [
  cloneCase("ext4", 0x800, { source: "64Mi", clone: "96Mi" }),
  cloneCase("xfs", 0x802, { source: "320Mi", clone: "400Mi" }),
];
