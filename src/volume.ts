/**
 * The description of one volume: everything the provisioning steps need, decided
 * up front by pure functions and stored in the saga journal, so that a restarted
 * agent can finish or undo the work without asking the API server again.
 *
 * @module
 */

/** Filesystems we can make. */
export type FsType = "ext4" | "xfs";

/** The claim a volume belongs to. */
export interface ClaimIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** Everything needed to create, describe and tear down one volume. */
export interface VolumeSpec {
  /** `pvc-<claim uid>`: the LV name and the PV name. */
  pvName: string;
  claim: ClaimIdentity;
  /** Node name (the claim's selected node). */
  node: string;
  /** Value of the node's `kubernetes.io/hostname` label, for the PV's node affinity. */
  hostnameLabel: string;
  /** Provisioner name written to `pv.kubernetes.io/provisioned-by`. */
  provisioner: string;
  storageClass: string;
  reclaimPolicy: "Delete" | "Retain";
  /** Volume group the LV lives in. */
  vg: string;
  /** What the claim asked for, in bytes. */
  requestBytes: number;
  /** The LV size: the request rounded up to whole extents, at least 4 MiB. */
  sizeBytes: number;
  fsType: FsType;
  /** Options for our own `mount -o`; never copied into the PV. */
  mountOptions: string[];
  /** The configured base path (the LV's `mount=` tag). */
  basePath: string;
  /** `<basePath>/<pvName>`: where the filesystem is mounted. */
  mountPoint: string;
  /**
   * The PV's hostPath. A subdirectory that exists only inside the mounted filesystem,
   * so a pod cannot start on the root filesystem when the volume is not mounted.
   * For volumes made by the original project this is the mount point itself.
   */
  hostPath: string;
  /** systemd `.mount` unit that remounts the volume at boot. */
  unitName: string;
  accessModes: string[];
  /** True for a volume made by the original project (no journal, random fs UUID). */
  legacy?: boolean;
  /** Set for a clone: the new filesystem is filled from a snapshot of this claim's volume. */
  cloneFrom?: CloneSource;
}

/** A clone's source: another claim's LV on the same node, read through a snapshot. */
export interface CloneSource {
  claim: ClaimIdentity;
  vg: string;
  /** The source's LV name (`pvc-<source claim uid>`). */
  lv: string;
  sizeBytes: number;
  fsType: FsType;
  /** The temporary snapshot: its LV name, copy-on-write size and read-only mount point. */
  snapshot: string;
  cowBytes: number;
  snapshotMountPoint: string;
}

/** Tags the original project put on every LV; we keep them so both can find each other's volumes. */
export const LV_TAG_OWNER = "local-lvm-provisioner";
/** Prefix of the tag naming the base path the LV is mounted under. */
export const LV_TAG_MOUNT_PREFIX = "mount=";
/** Prefix of the tag naming `<namespace>-<claim name>`. */
export const LV_TAG_PVNAME_PREFIX = "pvname=";

/** The three tags of a volume, in the order `lvcreate --addtag` receives them. */
export function lvTags(spec: Pick<VolumeSpec, "basePath" | "claim">): string[] {
  return [
    LV_TAG_OWNER,
    `${LV_TAG_MOUNT_PREFIX}${spec.basePath}`,
    `${LV_TAG_PVNAME_PREFIX}${spec.claim.namespace}-${spec.claim.name}`,
  ];
}
