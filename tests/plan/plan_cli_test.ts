import assert from "node:assert/strict";
import { capturedLvmReports, plan, withHostStateFile } from "./plan_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("the plan task is granted no run, write or network permission", async () => {
  const task: string = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks.plan;
  assert.match(task, /^deno run /);
  assert.doesNotMatch(task, /--allow-(run|write|net|all|ffi|sys)\b|\s-A\b/);
});

Deno.test("plan prints the node, VG, sizes, six steps with argv and undo, and the PV", async () => {
  const r = await plan("examples/pvc.yaml", "--node", "worker-1");
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Node: +worker-1: from --node/);
  assert.match(r.stdout, /VG: +vg0: /);
  assert.match(r.stdout, /requested 2147483648 bytes \(2 GiB\), LV 2147483648 bytes/);
  for (const step of ["reserve-vg", "lvcreate", "mkfs", "mount", "systemd-unit", "write-pv"]) {
    assert.match(r.stdout, new RegExp(`\\d\\. ${step} \\(do\\)`), step);
    assert.match(r.stdout, new RegExp(`\\d\\. ${step} \\(undo\\)`), step);
  }
  assert.match(
    r.stdout,
    /run {3}lvcreate --yes --activate y --wipesignatures y --zero y --name pvc-0{8}-0{4}-0{4}-0{4}-0{12} --size 2147483648b --addtag local-lvm-provisioner --addtag mount=\/volumes --addtag pvname=default-local-lvm-pvc vg0/,
  );
  assert.match(r.stdout, /run {3}mkfs\.ext4 -q -m 0 -U 0{8}-/);
  assert.match(r.stdout, /run {3}lvremove --yes vg0\/pvc-0{8}/);
  assert.match(r.stdout, /pv\.kubernetes\.io\/provisioned-by: local-lvm\.io/);
  assert.match(r.stdout, /path: \/volumes\/pvc-0{8}-0{4}-0{4}-0{4}-0{12}\/data/);
});

Deno.test("plan of a clone shows the snapshot, the copy and the snapshot's removal", async () => {
  const r = await plan("examples/clone-pvc.yaml", "--node", "worker-1", "--json");
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.provision.map((s: { step: string }) => s.step), [
    "reserve-vg",
    "lvcreate",
    "mkfs",
    "systemd-unit",
    "mount",
    "snapshot-source",
    "copy-from-snapshot",
    "drop-snapshot",
    "write-pv",
  ]);
  assert.match(doc.clone, /^from claim default\/local-lvm-pvc: simulated as vg0\/pvc-1{8}-/);
  const argv = doc.provision.flatMap((s: { commands: { argv: string[] }[] }) =>
    s.commands.map((c) => c.argv.join(" "))
  );
  assert.ok(argv.includes(
    "cp -a -T /volumes/snapshots/pvc-00000000-0000-0000-0000-000000000000-source " +
      "/volumes/pvc-00000000-0000-0000-0000-000000000000",
  ));
  assert.ok(argv.includes("lvremove --yes vg0/pvc-00000000-0000-0000-0000-000000000000-source"));
});

Deno.test("plan --json gives the same plan as one JSON document", async () => {
  const r = await plan("examples/pvc.yaml", "--node", "worker-1", "--json");
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.provision.map((s: { step: string }) => s.step), [
    "reserve-vg",
    "lvcreate",
    "mkfs",
    "systemd-unit",
    "mount",
    "write-pv",
  ]);
  assert.deepEqual(doc.teardown.map((s: { step: string }) => s.step), [
    "mount",
    "systemd-unit",
    "mkfs",
    "lvcreate",
    "reserve-vg",
    "write-pv",
  ]);
  assert.equal(doc.spec.sizeBytes, 2 * 1024 ** 3);
  assert.equal(doc.pv.spec.claimRef.name, "local-lvm-pvc");
});

const BAD: [string, string[], RegExp][] = [
  ["no claim file", [], /no claim file given/],
  [
    "a missing claim file",
    ["nope.yaml", "--node", "n"],
    /cannot read claim file nope\.yaml: no such file/,
  ],
  ["no node", ["examples/pvc.yaml"], /volume\.kubernetes\.io\/selected-node"\] is not set/],
  [
    "a disabled node",
    ["examples/pvc.yaml", "--node", "control-plane"],
    /no local volume group available on node control-plane/,
  ],
  ["an unknown flag", ["examples/pvc.yaml", "--frobnicate"], /Unknown option '--frobnicate'/],
  [
    "a bad config",
    ["examples/pvc.yaml", "--node", "n", "--config", "tests/plan/bad_config.jsonc"],
    /\$\.nodeVGMap\[0\]\.path: mount path must start with \//,
  ],
  [
    "a claim of another class",
    ["tests/plan/other_class_pvc.yaml", "--node", "worker-1"],
    /spec\.storageClassName is "fast"/,
  ],
  [
    "a block claim",
    ["tests/plan/block_pvc.yaml", "--node", "worker-1"],
    /block volumes are not supported/,
  ],
  [
    "a claim too large for any VG",
    ["tests/plan/huge_pvc.yaml", "--node", "worker-1"],
    /no volume group can fit/,
  ],
];

for (const [what, args, message] of BAD) {
  Deno.test(`plan with ${what} exits 2 with a clear message and prints nothing else`, async () => {
    const r = await plan(...args);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, message);
  });
}

Deno.test("plan --delete shows the teardown of a volume found in a captured host state", async () => {
  const uid = "6b0f7c2e-1d3a-4f5e-9a8b-0c1d2e3f4a5b";
  const state = {
    ...capturedLvmReports(uid),
    mounts: {
      filesystems: [{
        target: `/data/pvc-${uid}`,
        source: `/dev/mapper/vg0-pvc--${uid.replaceAll("-", "--")}`,
        fstype: "ext4",
        options: "rw,relatime",
      }],
    },
    blkid: { [`/dev/vg0/pvc-${uid}`]: `DEVNAME=/dev/vg0/pvc-${uid}\nUUID=${uid}\nTYPE=ext4\n` },
  };
  await withHostStateFile(state, async (file) => {
    const r = await plan("--delete", `pvc-${uid}`, "--host-state", file, "--node", "worker-1");
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /Volume: +vg0\/pvc-6b0f7c2e-1d3a-4f5e-9a8b-0c1d2e3f4a5b on node worker-1/,
    );
    assert.match(r.stdout, /run {3}umount \/data\/pvc-6b0f7c2e/);
    assert.match(r.stdout, /run {3}lvremove --yes vg0\/pvc-6b0f7c2e/);
    const missing = await plan("--delete", "pvc-nope", "--host-state", file);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no logical volume named pvc-nope/);
  });
});
