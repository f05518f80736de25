/**
 * Rebuilds the VolumeSpec of a volume that already exists, from its LV tags and (when
 * there is one) its PV, so it can be torn down. Works for volumes made by the original
 * project too: same tags, but mounted at `<base>/<namespace>-<claim>` with no `data`
 * subdirectory and no per-volume unit.
 *
 * @module
 */

import { ANN_PROVISIONED_BY, LEGACY_PROVISIONER } from "../decide/names.ts";
import { mountUnitName } from "../decide/systemd_escape.ts";
import type { PersistentVolumeObject } from "../kube/volume_api.ts";
import {
  LV_TAG_MOUNT_PREFIX,
  LV_TAG_OWNER,
  LV_TAG_PVNAME_PREFIX,
  type VolumeSpec,
} from "../volume.ts";
import type { LvRow } from "./node_queries.ts";

/** What is known about an existing volume. */
export interface ExistingVolume {
  lv: LvRow;
  pv?: PersistentVolumeObject;
  node: string;
  /** Provisioner to assume when there is no PV to say. */
  provisioner: string;
}

/** The spec, or why the LV cannot be handled as ours. */
export type ExistingSpec = { ok: true; spec: VolumeSpec } | { ok: false; error: string };

function tagValue(tags: readonly string[], prefix: string): string | undefined {
  return tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}

/** Rebuilds a spec from the LV's tags and the PV. */
export function specFromExisting({ lv, pv, node, provisioner }: ExistingVolume): ExistingSpec {
  const where = `${lv.vg}/${lv.name}`;
  if (!lv.tags.includes(LV_TAG_OWNER)) {
    return { ok: false, error: `Logical volume ${where} has no ${LV_TAG_OWNER} tag: not ours` };
  }
  const basePath = tagValue(lv.tags, LV_TAG_MOUNT_PREFIX);
  const claimTag = tagValue(lv.tags, LV_TAG_PVNAME_PREFIX);
  if (!basePath || !claimTag) {
    return { ok: false, error: `Logical volume ${where} lacks its mount= or pvname= tag` };
  }
  const claimRef = pv?.spec.claimRef;
  const uid = claimRef?.uid ?? lv.name.replace(/^pvc-/, "");
  const hostPath = (pv?.spec.hostPath as { path?: string } | undefined)?.path;
  const legacy = pv?.metadata.annotations?.[ANN_PROVISIONED_BY] === LEGACY_PROVISIONER ||
    hostPath === `${basePath}/${claimTag}`;
  const mountPoint = legacy ? `${basePath}/${claimTag}` : `${basePath}/${lv.name}`;
  const accessModes = (pv?.spec.accessModes as string[] | undefined) ?? ["ReadWriteOnce"];
  const reclaim = pv?.spec.persistentVolumeReclaimPolicy === "Retain" ? "Retain" : "Delete";
  return {
    ok: true,
    spec: {
      pvName: lv.name,
      claim: {
        namespace: claimRef?.namespace ?? "",
        name: claimRef?.name ?? claimTag,
        uid,
      },
      node,
      hostnameLabel: node,
      provisioner: pv?.metadata.annotations?.[ANN_PROVISIONED_BY] ?? provisioner,
      storageClass: (pv?.spec.storageClassName as string | undefined) ?? "",
      reclaimPolicy: reclaim,
      vg: lv.vg,
      requestBytes: lv.sizeBytes,
      sizeBytes: lv.sizeBytes,
      // Teardown never needs the filesystem type or mount options.
      fsType: "ext4",
      mountOptions: [],
      basePath,
      mountPoint,
      hostPath: legacy ? mountPoint : `${mountPoint}/data`,
      unitName: mountUnitName(mountPoint),
      accessModes,
      ...(legacy ? { legacy: true } : {}),
    },
  };
}

/**
 * A spec for a PV whose LV is already gone (a teardown that crashed after `lvremove`, or
 * an LV removed by hand), so the rest can still be cleaned up: the mount point and unit
 * follow from the PV's hostPath.
 */
export function specFromVolumeOnly(pv: PersistentVolumeObject, node: string): ExistingSpec {
  const hostPath = (pv.spec.hostPath as { path?: string } | undefined)?.path;
  if (!hostPath?.startsWith("/")) {
    return { ok: false, error: `PersistentVolume ${pv.metadata.name} has no hostPath` };
  }
  const legacy = !hostPath.endsWith(`/${pv.metadata.name}/data`);
  const mountPoint = legacy ? hostPath : hostPath.slice(0, -"/data".length);
  const basePath = mountPoint.slice(0, mountPoint.lastIndexOf("/")) || "/";
  const claimRef = pv.spec.claimRef;
  return {
    ok: true,
    spec: {
      pvName: pv.metadata.name,
      claim: {
        namespace: claimRef?.namespace ?? "",
        name: claimRef?.name ?? "",
        uid: claimRef?.uid ?? pv.metadata.name.replace(/^pvc-/, ""),
      },
      node,
      hostnameLabel: node,
      provisioner: pv.metadata.annotations?.[ANN_PROVISIONED_BY] ?? "",
      storageClass: (pv.spec.storageClassName as string | undefined) ?? "",
      reclaimPolicy: "Delete",
      // No LV: the lvcreate undo finds nothing under this name and does nothing.
      vg: "",
      requestBytes: 0,
      sizeBytes: 0,
      fsType: "ext4",
      mountOptions: [],
      basePath,
      mountPoint,
      hostPath,
      unitName: mountUnitName(mountPoint),
      accessModes: (pv.spec.accessModes as string[] | undefined) ?? [],
      ...(legacy ? { legacy: true } : {}),
    },
  };
}
