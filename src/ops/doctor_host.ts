/**
 * Doctor's node checks: the config entry of this node, the tools the steps run, the
 * configured volume groups and the base path. Read-only commands only: version forms,
 * `vgs`, `findmnt --target`.
 *
 * @module
 */

import { loadConfigFile } from "../config/load.ts";
import { entryForNode } from "../config/lookup.ts";
import type { Config, NodeEntry } from "../config/types.ts";
import { formatBytes } from "../decide/quantity.ts";
import type { Executor } from "../host/executor.ts";
import { listVolumeGroups } from "../provision/node_queries.ts";
import { filesystemOf, listTaggedVolumes, toolVersion } from "./node_inventory.ts";
import type { CheckRow } from "./report.ts";

const CONFIG_FIX = "edit config.json in ConfigMap local-lvm-config (namespace local-lvm-storage)";

/** The config row and, when the file is valid and names this node, its entry. */
export async function configCheck(
  path: string,
  nodeName: string,
): Promise<{ rows: CheckRow[]; config?: Config; entry?: NodeEntry }> {
  const parsed = await loadConfigFile(path);
  if (!parsed.ok) {
    return {
      rows: [{
        name: "config",
        status: "fail",
        detail: `${path}: ${parsed.errors.join("; ")}`,
        fix: `${CONFIG_FIX}; the agent keeps the last good config meanwhile`,
      }],
    };
  }
  const warnings: CheckRow[] = parsed.warnings.map((w) => ({
    name: "config",
    status: "warn",
    detail: w,
    fix: CONFIG_FIX,
  }));
  const lookup = entryForNode(parsed.config, nodeName);
  if (!lookup.ok) {
    const disabled = lookup.reason.startsWith("no local volume group");
    return {
      config: parsed.config,
      rows: [...warnings, {
        name: "config",
        status: disabled ? "warn" : "fail",
        detail: disabled ? `${lookup.reason}: this node provisions nothing` : lookup.reason,
        fix: disabled ? `list volume groups for ${nodeName} if it should provision` : (
          `${CONFIG_FIX}: add an entry for ${nodeName} or a DEFAULT_VGS_FOR_NON_LISTED_NODES one`
        ),
      }],
    };
  }
  const e = lookup.entry;
  const via = lookup.viaDefault ? "the DEFAULT_VGS_FOR_NON_LISTED_NODES entry" : "its own entry";
  return {
    config: parsed.config,
    entry: e,
    rows: [...warnings, {
      name: "config",
      status: "ok",
      detail: `${path}: node ${nodeName} uses ${via}: path ${e.path}, volume groups ` +
        `${e.vgs.join(", ")}, ${e.fsType}`,
    }],
  };
}

interface Tool {
  name: string;
  forms: string[][];
  /** The filesystem it is needed for; undefined: always needed. */
  fsType?: string;
}

const TOOLS: Tool[] = [
  {
    name: "lvm2",
    forms: ["lvs", "vgs", "lvcreate", "lvremove", "lvextend"].map((b) => [b, "--version"]),
  },
  { name: "e2fsprogs", forms: [["mkfs.ext4", "-V"]], fsType: "ext4" },
  { name: "xfsprogs", forms: [["mkfs.xfs", "-V"]], fsType: "xfs" },
  {
    name: "util-linux",
    forms: ["blkid", "findmnt", "mount", "umount"].map((b) => [b, "--version"]),
  },
  { name: "systemd", forms: [["systemctl", "--version"]] },
];

/** One row per tool package; a filesystem's tools fail only when this node's config uses it. */
export async function toolChecks(exec: Executor, entry?: NodeEntry): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  for (const tool of TOOLS) {
    const versions = [];
    for (const argv of tool.forms) versions.push(await toolVersion(exec, argv));
    const missing = versions.filter((v) => !v.found);
    const name = `tools ${tool.name}`;
    if (missing.length === 0) {
      rows.push({ name, status: "ok", detail: versions[0].line });
      continue;
    }
    const needed = tool.fsType === undefined || tool.fsType === (entry?.fsType ?? "ext4");
    rows.push({
      name,
      status: needed ? "fail" : "warn",
      detail: missing.map((v) => `${v.argv.join(" ")}: ${v.line}`).join("; ") +
        (needed ? "" : ` (needed only for StorageClasses with fsType ${tool.fsType})`),
      fix: `install ${tool.name} on the node (apt-get install ${tool.name})`,
    });
  }
  return rows;
}

/** One row per configured volume group: present, its size and free space. */
export async function volumeGroupChecks(
  exec: Executor,
  nodeName: string,
  entry: NodeEntry,
): Promise<CheckRow[]> {
  let found;
  let ours;
  try {
    found = await listVolumeGroups(exec, entry.vgs);
    ours = await listTaggedVolumes(exec);
  } catch (error) {
    return [{
      name: "volume groups",
      status: "fail",
      detail: (error as Error).message,
      fix: "run vgs on the node and fix what it reports",
    }];
  }
  return entry.vgs.map((name): CheckRow => {
    const vg = found.find((v) => v.name === name);
    if (!vg) {
      return {
        name: `vg ${name}`,
        status: "fail",
        detail: `volume group ${name} does not exist on node ${nodeName}`,
        fix: `create it (vgcreate ${name} <device>) or remove it from the config entry`,
      };
    }
    const pct = vg.sizeBytes > 0 ? Math.floor((100 * vg.freeBytes) / vg.sizeBytes) : 0;
    const volumes = ours.filter((lv) => lv.vg === name).length;
    const detail = `size ${formatBytes(vg.sizeBytes)}, free ${formatBytes(vg.freeBytes)} ` +
      `(${pct}%), ${volumes} volume${volumes === 1 ? "" : "s"} of ours`;
    // The smallest volume is 4 MiB (one extent at least).
    const full = vg.freeBytes < Math.max(4 * 1024 ** 2, vg.extentBytes);
    return full
      ? {
        name: `vg ${name}`,
        status: "warn",
        detail: `${detail}: no new volume fits`,
        fix: `extend it (vgextend ${name} <device>) or free space in it`,
      }
      : { name: `vg ${name}`, status: "ok", detail };
  });
}

/** The base path: where it lies, or that the first volume will create it. */
export async function basePathCheck(exec: Executor, entry: NodeEntry): Promise<CheckRow> {
  const name = `path ${entry.path}`;
  let fs;
  try {
    fs = await filesystemOf(exec, entry.path);
  } catch (error) {
    return { name, status: "fail", detail: (error as Error).message };
  }
  if (!fs) {
    return {
      name,
      status: "ok",
      detail: "does not exist yet: the first volume creates it (mkdir -p)",
    };
  }
  const where = `on the filesystem mounted at ${fs.target} (${fs.source}, ${fs.fstype})`;
  if (fs.options.includes("ro")) {
    return {
      name,
      status: "fail",
      detail: `exists, ${where}, which is read-only: mount points cannot be made`,
      fix: `remount ${fs.target} read-write`,
    };
  }
  return { name, status: "ok", detail: `exists, ${where}` };
}
