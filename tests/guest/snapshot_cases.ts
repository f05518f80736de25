/**
 * `deno task snapshot`'s operations on real lvm2: a backup snapshot is read-only and frozen
 * at its moment while the volume keeps changing, ext4 and xfs (mounted beside its origin);
 * one that overflows is reported INVALID; release leaves no LV, mount or folder behind. The
 * command itself runs once as a process with its deno.json permissions (and the channel).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { FsType } from "../../src/volume.ts";
import { listSnapshots, releaseSnapshots, takeSnapshot } from "../../src/ops/snapshot_ops.ts";
import { listOurSnapshots } from "../../src/provision/snapshots.ts";
import {
  code,
  type GuestContext,
  guestSha256,
  NODE,
  payload,
  planSpec,
  sh,
  testUid,
  type TierCase,
} from "./context.ts";
import { provisionOk, teardownOk } from "./provision_cases.ts";

function frozenCase(fsType: FsType, n: number, storage: string): TierCase {
  return {
    name: `snapshot ${fsType}: read-only, frozen at its moment, released without a trace`,
    async fn(ctx) {
      const spec = await planSpec(ctx.exec, {
        name: `backup-${fsType}`,
        uid: testUid(n),
        storage,
        fsType,
        vgs: ["vg0"],
      });
      const world = await provisionOk(ctx, spec);
      await sh(ctx, ["tee", `${spec.hostPath}/db.dump`], payload(`backup-${fsType}`));
      await sh(ctx, ["sync"]);
      const before = await guestSha256(ctx, `${spec.hostPath}/db.dump`);

      const taken = await takeSnapshot(ctx.exec, { namespace: "default", name: spec.claim.name });
      const at = taken.mountPoint;
      assert.match(at, new RegExp(`^/volumes/snapshots/default-backup-${fsType}-\\d{8}T\\d{6}Z$`));
      const options = await sh(ctx, ["findmnt", "-n", "-o", "OPTIONS", "--mountpoint", at]);
      console.log(`snapshot ${fsType} mount options: ${options.trim()}`);
      assert.match(options, /^ro,/);

      // The volume keeps being written; the snapshot does not change.
      await sh(ctx, ["tee", `${spec.hostPath}/db.dump`], "rewritten after the snapshot\n");
      await sh(ctx, ["tee", `${spec.hostPath}/new.txt`], "new\n");
      await sh(ctx, ["sync"]);
      assert.equal(await guestSha256(ctx, `${at}/data/db.dump`), before);
      assert.notEqual(await guestSha256(ctx, `${spec.hostPath}/db.dump`), before);
      assert.equal(await code(ctx, ["test", "-e", `${at}/data/new.txt`]), 1);
      const write = await ctx.probe.run(["tee", `${at}/data/x`], { stdin: "x" });
      assert.match(write.stderr, /Read-only file system/);

      const [info] = await listSnapshots(ctx.exec);
      assert.equal(info.state, "valid");
      assert.equal(info.mountPoint, at);
      assert.ok(info.usedPercent! > 0, `COW used: ${info.usedPercent}`);

      const released = await releaseSnapshots(ctx.exec, `default/${spec.claim.name}`);
      assert.deepEqual(released.map((s) => s.name), [taken.name]);
      assert.deepEqual(await listOurSnapshots(ctx.exec), []);
      assert.equal(await code(ctx, ["test", "-e", at]), 1);
      await teardownOk(ctx, spec, world);
    },
  };
}

const overflowCase: TierCase = {
  name: "snapshot: a small COW overfilled is reported INVALID, and still released",
  async fn(ctx) {
    const spec = await planSpec(ctx.exec, {
      name: "backup-small-cow",
      uid: testUid(0x812),
      storage: "64Mi",
      vgs: ["vg0"],
    });
    const world = await provisionOk(ctx, spec);
    const taken = await takeSnapshot(ctx.exec, { namespace: "default", name: spec.claim.name }, {
      cowSize: "4Mi",
    });
    await sh(ctx, [
      "dd",
      "if=/dev/urandom",
      `of=${spec.hostPath}/big`,
      "bs=1M",
      "count=16",
      "conv=fsync",
      "status=none",
    ]);
    const [info] = await listSnapshots(ctx.exec);
    assert.equal(info.state, "INVALID", JSON.stringify(info));
    const lvs = await sh(ctx, [
      "lvs",
      "--noheadings",
      "-o",
      "lv_attr,data_percent",
      `vg0/${taken.name}`,
    ]);
    console.log(`overflowed snapshot: lv_attr,data_percent = ${lvs.trim()}`);
    await releaseSnapshots(ctx.exec, `vg0/${taken.name}`);
    assert.deepEqual(await listOurSnapshots(ctx.exec), []);
    assert.equal(await code(ctx, ["test", "-e", taken.mountPoint]), 1);
    await teardownOk(ctx, spec, world);
  },
};

const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs `deno task snapshot` as a process on the guest (its permissions, plus the channel). */
async function task(ctx: GuestContext, ...args: string[]) {
  const flags: string[] = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).tasks
    .snapshot.replace(/^deno run /, "").split(" ");
  const script = flags.pop()!;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "--allow-net=127.0.0.1", script, ...args],
    cwd: ROOT,
    env: {
      NODE_NAME: NODE,
      LOCAL_LVM_HOST: `remote:127.0.0.1:${ctx.probe.port}`,
      LOCAL_LVM_STATE_DIR: "/var/lib/local-lvm",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  console.log(`$ deno task snapshot ${args.join(" ")}\n${text}[exit ${out.code}]`);
  return { code: out.code, text };
}

const commandCase: TierCase = {
  name: "snapshot: the command as a process, take, list, release",
  async fn(ctx) {
    const spec = await planSpec(ctx.exec, {
      name: "postgres-data",
      uid: testUid(0x814),
      storage: "320Mi",
      fsType: "xfs",
      vgs: ["vg1"],
    });
    const world = await provisionOk(ctx, spec);
    await sh(ctx, ["tee", `${spec.hostPath}/base.tar`], payload("pg"));
    const taken = await task(ctx, "default/postgres-data");
    assert.equal(taken.code, 0);
    const path = /\n(\/volumes\/snapshots\/\S+)\n/.exec(taken.text)![1];
    assert.equal(await sh(ctx, ["cat", `${path}/data/base.tar`]), payload("pg"));
    const listed = await task(ctx, "--list");
    assert.equal(listed.code, 0);
    assert.match(listed.text, /default\/postgres-data +32 MiB +\d+\.\d\d% +valid/);
    // A second one with too little COW space for what the volume then writes.
    await new Promise((r) => setTimeout(r, 1100)); // a new second: a new name
    assert.equal((await task(ctx, "default/postgres-data", "--cow-size", "4Mi")).code, 0);
    await sh(ctx, [
      "dd",
      "if=/dev/urandom",
      `of=${spec.hostPath}/wal`,
      "bs=1M",
      "count=16",
      "conv=fsync",
      "status=none",
    ]);
    const full = await task(ctx, "--list");
    assert.equal(full.code, 1, "an invalid snapshot fails --list");
    assert.match(full.text, /default\/postgres-data +4 MiB +100\.00% +INVALID/);
    assert.match(full.text, /is INVALID: its copy-on-write space filled up/);
    const released = await task(ctx, "--release", "default/postgres-data");
    assert.equal(released.code, 0);
    assert.equal(released.text.match(/^Released /gm)?.length, 2);
    assert.deepEqual(await listOurSnapshots(ctx.exec), []);
    await teardownOk(ctx, spec, world);
  },
};

/** lvremove of an origin: refused while its snapshot is mounted, else takes it along. */
const originRemovalCase: TierCase = {
  name: "snapshot: lvremove of a volume with a snapshot, as the simulated node answers it",
  async fn(ctx) {
    const spec = await planSpec(ctx.exec, {
      name: "backup-origin",
      uid: testUid(0x816),
      storage: "16Mi",
      vgs: ["vg0"],
    });
    const world = await provisionOk(ctx, spec);
    const taken = await takeSnapshot(ctx.exec, { namespace: "default", name: spec.claim.name });
    await sh(ctx, ["umount", spec.mountPoint]);
    const origin = `${spec.vg}/${spec.pvName}`;
    const busy = await ctx.exec.run(["lvremove", "--yes", origin]);
    console.log(`lvremove, snapshot mounted: exit ${busy.code}\n${busy.stdout}${busy.stderr}`);
    assert.equal(busy.code, 5);
    assert.equal(
      busy.stderr,
      `  Logical volume ${spec.vg}/${taken.name} contains a filesystem in use.\n` +
        `  LV ${origin} has open 1 snapshot(s), not deactivating.\n` +
        `  Logical volume ${origin} not removed.\n`,
    );
    await sh(ctx, ["umount", taken.mountPoint]);
    const gone = await ctx.exec.run(["lvremove", "--yes", origin]);
    console.log(`lvremove, snapshot unmounted: exit ${gone.code}\n${gone.stdout}${gone.stderr}`);
    assert.equal(gone.code, 0);
    assert.equal(
      gone.stdout,
      `  Logical volume "${taken.name}" successfully removed.\n` +
        `  Logical volume "${spec.pvName}" successfully removed.\n`,
    );
    await sh(ctx, ["rmdir", taken.mountPoint]);
    await teardownOk(ctx, spec, world);
  },
};

export const snapshotCases: TierCase[] = [
  originRemovalCase,
  frozenCase("ext4", 0x810, "64Mi"),
  frozenCase("xfs", 0x811, "320Mi"),
  overflowCase,
  commandCase,
];
