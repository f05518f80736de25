/**
 * `doctor` on the simulated host, in process: a healthy node is all ok, and every kind of
 * failure it knows is arranged on purpose and shows as exactly the row(s) expected, with a
 * fix. The API checks use a scripted ClusterAccess here (tests/ops/doctor_cluster_test.ts
 * asks the real API server).
 */
import assert from "node:assert/strict";
import type { AccessQuestion, ClusterAccess } from "../../src/ops/doctor_cluster.ts";
import { runDoctor } from "../../src/ops/doctor.ts";
import type { CheckRow } from "../../src/ops/report.ts";
import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { MiB, NODE, type OpsWorld, opsWorld } from "./ops_world.ts";

const UID = "11111111-2222-4333-8444-555555555555";
const UNIT = "data-pvc\\x2d11111111\\x2d2222\\x2d4333\\x2d8444\\x2d555555555555.mount";
const TAGS = ["local-lvm-provisioner", "mount=/data", "pvname=default-old"];

interface Arranged {
  /** A different config text; default: node-a on /data with vg0. */
  config?: string;
  /** What the fake API answers. */
  api?: Partial<ClusterAccess>;
  /** Verbs the fake API denies, as `resource:verb`. */
  denied?: string[];
}

interface Case {
  name: string;
  arrange: (w: OpsWorld) => Promise<Arranged | void>;
  /** Every row that is not ok: name, status and a pattern its detail matches. */
  expect: { name: string | RegExp; status: "warn" | "fail"; detail: RegExp }[];
}

function fakeApi(denied: string[], over: Partial<ClusterAccess> = {}): ClusterAccess {
  return {
    serverVersion: () => Promise.resolve("v1.36.3"),
    nodeLabels: () => Promise.resolve({ "kubernetes.io/hostname": NODE }),
    review: (q: AccessQuestion) =>
      Promise.resolve({ allowed: !denied.includes(`${q.resource}:${q.verb}`) }),
    ...over,
  };
}

async function run(w: OpsWorld, arranged: Arranged | void): Promise<CheckRow[]> {
  if (arranged?.config) await Deno.writeTextFile(w.configPath, arranged.config);
  return await runDoctor({
    exec: w.exec,
    nodeName: NODE,
    configPath: w.configPath,
    journalDir: w.journalDir,
    cluster: fakeApi(arranged?.denied ?? [], arranged?.api),
  });
}

const record = (patch: Record<string, unknown>) =>
  JSON.stringify({
    id: "pvc-x",
    kind: "provision",
    params: { claim: { namespace: "default", name: "x", uid: "x" } },
    direction: "forward",
    applied: ["reserve-vg"],
    committed: false,
    errors: [],
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    ...patch,
  });

const CASES: Case[] = [
  { name: "healthy node with one volume", arrange: async () => {}, expect: [] },
  {
    name: "invalid config",
    arrange: () =>
      Promise.resolve({ config: `{"nodeVGMap":[{"node":"${NODE}","path":"opt","vgs":["vg0"]}]}` }),
    expect: [{ name: "config", status: "fail", detail: /mount path must start with \// }],
  },
  {
    name: "node not in the config",
    arrange: () =>
      Promise.resolve({ config: `{"nodeVGMap":[{"node":"node-b","path":"/d","vgs":["vg0"]}]}` }),
    expect: [{ name: "config", status: "fail", detail: /doesn't contain node node-a/ }],
  },
  {
    name: "node disabled in the config",
    arrange: () =>
      Promise.resolve({ config: `{"nodeVGMap":[{"node":"${NODE}","path":"/d","vgs":[]}]}` }),
    expect: [{ name: "config", status: "warn", detail: /provisions nothing/ }],
  },
  {
    name: "mkfs.ext4 missing",
    arrange: (w) => {
      w.host.failOn(["mkfs.ext4", "-V"], {
        code: 127,
        stderr: "nsenter: failed to execute mkfs.ext4: No such file or directory\n",
      });
      return Promise.resolve();
    },
    expect: [{ name: "tools e2fsprogs", status: "fail", detail: /failed to execute mkfs.ext4/ }],
  },
  {
    name: "mkfs.xfs missing while no config entry uses xfs",
    arrange: (w) => {
      w.host.failOn(["mkfs.xfs"], { code: 127, stderr: "not found\n" });
      return Promise.resolve();
    },
    expect: [{ name: "tools xfsprogs", status: "warn", detail: /needed only for .* xfs/ }],
  },
  {
    name: "a configured VG missing",
    arrange: () =>
      Promise.resolve({
        config: `{"nodeVGMap":[{"node":"${NODE}","path":"/data","vgs":["vg0","vg9"]}]}`,
      }),
    expect: [{ name: "vg vg9", status: "fail", detail: /vg9 does not exist on node node-a/ }],
  },
  {
    name: "a full VG",
    arrange: async (w) => {
      await w.host.run(lvcreateArgvFor("vg0", "filler", 248 * MiB, ["someone-else"]));
    },
    expect: [{ name: "vg vg0", status: "warn", detail: /no new volume fits/ }],
  },
  {
    name: "base path on a read-only filesystem",
    arrange: async (w) => {
      for (
        const argv of [
          lvcreateArgvFor("vg0", "ro", 8 * MiB, []),
          ["mkfs.ext4", "-q", "-m", "0", "/dev/vg0/ro"],
          ["mkdir", "-p", "/srv/ro"],
          ["mount", "-t", "ext4", "-o", "ro", "/dev/vg0/ro", "/srv/ro"],
        ]
      ) await w.host.run(argv);
      return { config: `{"nodeVGMap":[{"node":"${NODE}","path":"/srv/ro","vgs":["vg0"]}]}` };
    },
    expect: [{ name: "path /srv/ro", status: "fail", detail: /read-only/ }],
  },
  {
    name: "boot unit removed",
    arrange: async (w) => {
      await w.host.run(["rm", "-f", `/etc/systemd/system/${UNIT}`]);
    },
    expect: [{
      name: `boot vg0/pvc-${UID}`,
      status: "fail",
      detail: /no unit .*not mounted again/,
    }],
  },
  {
    name: "boot unit disabled",
    arrange: async (w) => {
      await w.host.run(["systemctl", "disable", UNIT]);
    },
    expect: [{ name: `boot vg0/pvc-${UID}`, status: "fail", detail: /disabled/ }],
  },
  {
    name: "boot unit not ordered before the kubelet",
    arrange: async (w) => {
      const path = `/etc/systemd/system/${UNIT}`;
      const text = w.host.readFile(path)!.replace("Before=kubelet.service\n", "");
      await w.host.run(["tee", path], { stdin: text });
    },
    expect: [{ name: `boot vg0/pvc-${UID}`, status: "fail", detail: /not ordered Before=kubelet/ }],
  },
  {
    name: "volume not mounted",
    arrange: async (w) => {
      await w.host.run(["umount", `/data/pvc-${UID}`]);
    },
    expect: [{ name: `boot vg0/pvc-${UID}`, status: "fail", detail: /not mounted at \/data/ }],
  },
  {
    name: "an LV of ours neither mounted nor with a unit (an orphan, say)",
    arrange: async (w) => {
      await w.host.run(lvcreateArgvFor("vg0", "pvc-gone", 8 * MiB, TAGS));
    },
    expect: [{
      name: "boot vg0/pvc-gone",
      status: "fail",
      detail: /not mounted at \/data\/pvc-gone and no unit/,
    }],
  },
  {
    name: "a volume of the original project (no unit of its own)",
    arrange: async (w) => {
      for (
        const argv of [
          lvcreateArgvFor("vg0", "pvc-old", 8 * MiB, TAGS),
          ["mkfs.ext4", "-q", "-m", "0", "/dev/vg0/pvc-old"],
          ["mkdir", "-p", "/data/default-old"],
          ["mount", "-t", "ext4", "/dev/vg0/pvc-old", "/data/default-old"],
        ]
      ) await w.host.run(argv);
    },
    expect: [{ name: "boot vg0/pvc-old", status: "warn", detail: /local-lvm-provisioner/ }],
  },
  {
    name: "a journal file that does not parse",
    arrange: async (w) => {
      await Deno.writeTextFile(`${w.journalDir}/pvc-bad.json`, "{");
    },
    expect: [{ name: "journal pvc-bad.json", status: "fail", detail: /not a saga record/ }],
  },
  {
    name: "a stuck saga",
    arrange: async (w) => {
      await Deno.writeTextFile(
        `${w.journalDir}/pvc-x.json`,
        record({ direction: "backward", errors: ["lvcreate (undo): lvremove failed"] }),
      );
    },
    expect: [{ name: "journal pvc-x", status: "fail", detail: /stuck.*lvremove failed/ }],
  },
  {
    name: "a saga nobody updated for an hour",
    arrange: async (w) => {
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
      await Deno.writeTextFile(`${w.journalDir}/pvc-x.json`, record({ updatedAt: hourAgo }));
    },
    expect: [{ name: "journal pvc-x", status: "warn", detail: /not updated since/ }],
  },
  {
    name: "API server unreachable",
    arrange: () =>
      Promise.resolve({
        api: { serverVersion: () => Promise.reject(new Error("connection refused")) },
      }),
    expect: [{ name: "api", status: "fail", detail: /connection refused/ }],
  },
  {
    name: "no such Node",
    arrange: () => Promise.resolve({ api: { nodeLabels: () => Promise.resolve(undefined) } }),
    expect: [{ name: "node", status: "fail", detail: /no Node named node-a/ }],
  },
  {
    name: "a permission missing",
    arrange: () =>
      Promise.resolve({ denied: ["persistentvolumes:delete", "csistoragecapacities:patch"] }),
    expect: [
      { name: "rbac persistentvolumes", status: "fail", detail: /^denied cluster-wide: delete$/ },
      {
        name: "rbac csistoragecapacities.storage.k8s.io",
        status: "fail",
        detail: /^denied in namespace local-lvm-storage: patch$/,
      },
    ],
  },
];

for (const c of CASES) {
  Deno.test(`doctor: ${c.name}`, async () => {
    const w = await opsWorld();
    try {
      await w.provision("data", UID);
      const rows = await run(w, await c.arrange(w));
      const bad = rows.filter((r) => r.status !== "ok");
      assert.equal(bad.length, c.expect.length, JSON.stringify(bad, null, 2));
      for (const e of c.expect) {
        const row = bad.find((r) =>
          typeof e.name === "string" ? r.name === e.name : e.name.test(r.name)
        );
        assert.ok(row, `no row ${e.name} in ${JSON.stringify(bad, null, 2)}`);
        assert.equal(row.status, e.status, row.name);
        assert.match(row.detail, e.detail);
        assert.ok(row.fix && row.fix.length > 10, `${row.name} has a fix`);
      }
    } finally {
      await w.close();
    }
  });
}

Deno.test("doctor: a healthy node shows every check", async () => {
  const w = await opsWorld();
  try {
    await w.provision("data", UID);
    const names = (await run(w, undefined)).map((r) => r.name);
    assert.deepEqual(names.slice(0, 10), [
      "config",
      "tools lvm2",
      "tools e2fsprogs",
      "tools xfsprogs",
      "tools util-linux",
      "tools systemd",
      "vg vg0",
      "path /data",
      "boot units",
      "journal",
    ]);
    assert.deepEqual(names.slice(10, 12), ["api", "node"]);
    assert.equal(names.filter((n) => n.startsWith("rbac ")).length, 9);
  } finally {
    await w.close();
  }
});
