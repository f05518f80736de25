/**
 * What one command costs the simulated node (src/host/sim/file_host.ts) as it fills up: a
 * node is given the volumes of N provisionings (LV, filesystem, two unit files, mount point,
 * mount), and at every 100 volumes a change (`mkdir`) and a query (`findmnt`) are timed, each
 * the median of 50. The agent's per-claim figures in `deno task bench` include this cost, so
 * it is measured on its own here. Run: `deno run --allow-read --allow-write bench/sim_node.ts
 * [volumes]` (default 500).
 *
 * @module
 */

import { FileBackedHost } from "../src/host/sim/file_host.ts";

const volumes = Number(Deno.args[0] ?? 500);
const dir = await Deno.makeTempDir();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(host: FileBackedHost, argvs: string[][]): Promise<number> {
  const ms: number[] = [];
  for (const argv of argvs) {
    const t0 = performance.now();
    const res = await host.run(argv);
    ms.push(performance.now() - t0);
    if (res.code !== 0) throw new Error(`${argv.join(" ")}: ${res.stderr}`);
  }
  return median(ms);
}

try {
  const host = await FileBackedHost.init(`${dir}/node.json`, {
    vgs: [{ name: "vg1", sizeBytes: 4096 * 2 ** 30 }],
  });
  const unit = "[Unit]\nDescription=a unit file of the usual size\n".repeat(12);
  for (let i = 1; i <= volumes; i++) {
    const lv = `pvc-${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`;
    const mnt = `/data/${lv}`;
    for (
      const [argv, stdin] of [
        [["lvcreate", "--yes", "--name", lv, "--size", "16777216b", "vg1"]],
        [["mkfs.ext4", "-q", "-m", "0", `/dev/vg1/${lv}`]],
        [["tee", `/etc/systemd/system/data-${lv}.mount`], unit],
        [["tee", `/etc/systemd/system/local-lvm-activate-data-${lv}.service`], unit],
        [["mkdir", "-p", mnt]],
        [["mount", "-t", "ext4", `/dev/vg1/${lv}`, mnt]],
        [["mkdir", "-p", "-m", "0777", `${mnt}/data`]],
      ] as [string[], string?][]
    ) {
      const res = await host.run(argv, { stdin });
      if (res.code !== 0) throw new Error(`${argv.join(" ")}: ${res.stderr}`);
    }
    if (i % 100 === 0 || i === volumes) {
      const change = await timed(
        host,
        Array.from({ length: 50 }, (_, k) => ["mkdir", "-p", `/data/probe-${i}-${k}`]),
      );
      const query = await timed(
        host,
        Array.from(
          { length: 50 },
          () => [
            "findmnt",
            "--json",
            "--output",
            "TARGET,SOURCE,FSTYPE,OPTIONS",
            "--mountpoint",
            mnt,
          ],
        ),
      );
      const kB = (await Deno.stat(`${dir}/node.json`)).size / 1024;
      console.log(
        `${String(i).padStart(4)} volumes, node file ${kB.toFixed(0).padStart(5)} kB: ` +
          `change ${change.toFixed(2)} ms, query ${query.toFixed(2)} ms (medians of 50)`,
      );
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
