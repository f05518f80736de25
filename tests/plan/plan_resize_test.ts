/** `deno task plan --resize`: the expansion steps with argv and undo, run exactly as a user would. */
import assert from "node:assert/strict";
import { capturedLvmReports, plan, withHostStateFile } from "./plan_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

const PV = "pvc-0{8}-0{4}-0{4}-0{4}-0{12}";

Deno.test("plan --resize: old and new rounded size, five steps with argv, undo", async () => {
  const r = await plan("--resize", "examples/pvc.yaml", "2049Mi", "--node", "worker-1");
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Node: +worker-1\nVG: +vg0\n/);
  // Same rounding as provisioning: up to whole 4 MiB extents.
  assert.match(
    r.stdout,
    /LV 2147483648 bytes \(2Gi\) -> requested 2049Mi \(2148532224 bytes\), LV 2151677952 bytes \(2052Mi, whole extents\)/,
  );
  const steps = [...r.stdout.matchAll(/^ {2}\d\. (\S+) \(do\)/gm)].map((m) => m[1]);
  assert.deepEqual(steps, ["mark-resizing", "lvextend", "grow-fs", "resize-pv", "finish-resize"]);
  assert.match(r.stdout, new RegExp(`run {3}lvextend --yes --size 2151677952b vg0/${PV}\n`));
  assert.match(r.stdout, new RegExp(`run {3}resize2fs /dev/vg0/${PV}\n`));
  assert.match(
    r.stdout,
    /api {3}patch PersistentVolumeClaim\/status default\/local-lvm-pvc -p .*"ControllerResizeInProgress"/,
  );
  assert.match(
    r.stdout,
    new RegExp(
      `api {3}patch PersistentVolume ${PV} -p '\\{"spec":\\{"capacity":\\{"storage":"2052Mi"\\}\\}\\}'`,
    ),
  );
  assert.match(r.stdout, /lvextend: Nothing: .* never shrunk under its filesystem/);
});

Deno.test("plan --resize of an xfs class grows with xfs_growfs on the mount point", async () => {
  const cls = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(
      cls,
      (await Deno.readTextFile(`${ROOT}examples/storageclass.yaml`)) +
        "parameters:\n  fsType: xfs\n",
    );
    const r = await plan(
      "--resize",
      "examples/pvc.yaml",
      "3Gi",
      "--node",
      "worker-1",
      "--class",
      cls,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`run {3}xfs_growfs /volumes/${PV}\n`));
  } finally {
    await Deno.remove(cls);
  }
});

Deno.test("plan --resize namespace/claim against a captured node; a full VG fails", async () => {
  const uid = "6b0f7c2e-1d3a-4f5e-9a8b-0c1d2e3f4a5b";
  const state = {
    ...capturedLvmReports(uid),
  };
  await withHostStateFile(state, async (file) => {
    const ok = await plan("--resize", "default/data", "13Mi", "--host-state", file, "--node", "n1");
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /LV 8388608 bytes \(8Mi\) -> requested 13Mi .* LV 16777216 bytes \(16Mi/,
    );
    assert.match(ok.stdout, new RegExp(`run {3}lvextend --yes --size 16777216b vg0/pvc-${uid}\n`));
    const full = await plan("--resize", "default/data", "2Gi", "--host-state", file);
    assert.equal(full.code, 1);
    assert.match(
      full.stdout,
      /The expansion would fail: .*Insufficient free space: 510 extents needed, but only 253 available/,
    );
    const none = await plan("--resize", "default/other", "2Gi", "--host-state", file);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no volume of default\/other/);
  });
});

Deno.test("plan --resize refuses a size that is not larger", async () => {
  const r = await plan("--resize", "examples/pvc.yaml", "1Gi", "--node", "worker-1");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /1Gi is not more than the volume's 2 GiB: nothing to grow/);
});
