/**
 * Assembles the VolumeSpec for a claim: every name, path, size and option the
 * provisioning steps will use, decided once, up front, from the claim, its class, the
 * node's config entry and the volume group chosen for it.
 *
 * @module
 */

import type { FsType, VolumeSpec } from "../volume.ts";
import type { ClaimObject } from "./claim.ts";
import { validateClaim } from "./claim_validation.ts";
import { parseQuantityBytes } from "./quantity.ts";
import { mountUnitName } from "./systemd_escape.ts";

/** The StorageClass fields that shape a volume. */
export interface StorageClassInfo {
  name: string;
  provisioner: string;
  /** `Delete` when unset, as in Kubernetes. */
  reclaimPolicy?: string | null;
  mountOptions?: readonly string[] | null;
  /** Only `fsType` is read; it overrides the node config's. */
  parameters?: Record<string, string> | null;
}

/** The node's entry of the config. */
export interface NodeStorageConfig {
  /** Base path; each volume is mounted at `<path>/<pv name>`. */
  path: string;
  vgs: readonly string[];
  /** `ext4` when unset, as in the original. */
  fsType?: string;
  mountOptions?: readonly string[];
}

/** Everything a VolumeSpec is made of. */
export interface VolumeSpecInput {
  claim: ClaimObject;
  node: string;
  /** The node's `kubernetes.io/hostname` label. */
  hostnameLabel: string;
  storageClass: StorageClassInfo;
  config: NodeStorageConfig;
  /** The successful result of `chooseVg` (any object with the VG and its LV size). */
  vgChoice: { vg: string; sizeBytes: number };
}

/** The spec, or every reason it could not be made. */
export type VolumeSpecResult = { ok: true; spec: VolumeSpec } | { ok: false; errors: string[] };

const FS_TYPES: readonly FsType[] = ["ext4", "xfs"];
// systemd refuses unit names longer than this.
const MAX_UNIT_NAME = 255;

/**
 * Builds the VolumeSpec. mountPoint is `<path>/<pvName>`, hostPath `<mountPoint>/data`,
 * the unit name comes from `systemd-escape --path`. The class's `fsType` parameter wins
 * over the config's; the class's mount options win over the config's when it has any.
 *
 * @example
 * ```ts
 * import { buildVolumeSpec } from "./volume_spec.ts";
 * const r = buildVolumeSpec({
 *   claim: {
 *     metadata: { name: "data", namespace: "ns", uid: "6b0f" },
 *     spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Mi" } } },
 *   },
 *   node: "n1",
 *   hostnameLabel: "n1",
 *   storageClass: { name: "local-lvm", provisioner: "local-lvm.io" },
 *   config: { path: "/data", vgs: ["vg0"] },
 *   vgChoice: { vg: "vg0", sizeBytes: 8388608 },
 * });
 * if (!r.ok || r.spec.hostPath !== "/data/pvc-6b0f/data") throw new Error();
 * if (r.spec.unitName !== "data-pvc\\x2d6b0f.mount") throw new Error();
 * ```
 */
export function buildVolumeSpec(input: VolumeSpecInput): VolumeSpecResult {
  const { claim, storageClass: sc, config, vgChoice } = input;
  const errors = validateClaim(claim);
  const { uid = "", name = "", namespace = "" } = claim.metadata ?? {};
  if (!name) errors.push("claim has no metadata.name");
  if (!namespace) errors.push("claim has no metadata.namespace");
  // The UID becomes a path component and an LV name: only the API server's alphabet.
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(uid)) {
    errors.push(
      uid ? `claim uid ${JSON.stringify(uid)} is not a valid UID` : "claim has no metadata.uid",
    );
  }
  if (!input.node) errors.push("no node name given");
  if (!input.hostnameLabel) errors.push(`node ${input.node} has no kubernetes.io/hostname label`);

  const reclaimPolicy = sc.reclaimPolicy ?? "Delete";
  if (reclaimPolicy !== "Delete" && reclaimPolicy !== "Retain") {
    errors.push(
      `reclaim policy ${reclaimPolicy} of storage class ${sc.name} is not supported ` +
        "(use Delete or Retain)",
    );
  }

  const classFs = sc.parameters?.fsType;
  const fsType = classFs ?? config.fsType ?? "ext4";
  if (!(FS_TYPES as readonly string[]).includes(fsType)) {
    const where = classFs !== undefined
      ? `in the parameters of storage class ${sc.name}`
      : `in the config of node ${input.node}`;
    errors.push(`fsType ${JSON.stringify(fsType)} ${where} is not supported (use ext4 or xfs)`);
  }

  const request = parseQuantityBytes(claim.spec?.resources?.requests?.storage);
  if (request.ok && vgChoice.sizeBytes < request.bytes) {
    errors.push(
      `volume size ${vgChoice.sizeBytes} is smaller than the request of ${request.bytes} bytes`,
    );
  }

  const pvName = `pvc-${uid}`;
  const mountPoint = `${config.path.replace(/\/+$/, "")}/${pvName}`;
  let unitName = "";
  try {
    unitName = mountUnitName(mountPoint);
    if (unitName.length > MAX_UNIT_NAME) {
      errors.push(`mount point ${mountPoint} is too long for a systemd unit name`);
    }
  } catch (e) {
    errors.push(`mount point ${mountPoint} is unusable: ${(e as Error).message}`);
  }

  if (errors.length > 0 || !request.ok) return { ok: false, errors };
  const mountOptions = sc.mountOptions?.length ? sc.mountOptions : config.mountOptions ?? [];
  return {
    ok: true,
    spec: {
      pvName,
      claim: { namespace, name, uid },
      node: input.node,
      hostnameLabel: input.hostnameLabel,
      provisioner: sc.provisioner,
      storageClass: sc.name,
      reclaimPolicy: reclaimPolicy as VolumeSpec["reclaimPolicy"],
      vg: vgChoice.vg,
      requestBytes: request.bytes,
      sizeBytes: vgChoice.sizeBytes,
      fsType: fsType as FsType,
      mountOptions: [...mountOptions],
      basePath: config.path,
      mountPoint,
      hostPath: `${mountPoint}/data`,
      unitName,
      accessModes: [...(claim.spec?.accessModes ?? [])],
    },
  };
}
