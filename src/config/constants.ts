/**
 * Names and defaults of the configuration file, in one place so that no other module
 * spells them as literals.
 *
 * @module
 */

import type { FsType } from "../volume.ts";

/** The `node` value whose entry applies to every node not listed by name (the original's key). */
export const DEFAULT_NODE_KEY = "DEFAULT_VGS_FOR_NON_LISTED_NODES";

/**
 * Our provisioner name. It must be a DNS-1123 subdomain because capacity-aware scheduling
 * needs a `CSIDriver` object of exactly this name.
 */
export const DEFAULT_PROVISIONER = "local-lvm.io";

/** The original project's provisioner name: still accepted so its StorageClass keeps working. */
export const LEGACY_PROVISIONER = "mein.io/local-lvm";

/** Filesystems the config may ask for; the first is the default (the original only made ext4). */
export const FS_TYPES = ["ext4", "xfs"] as const satisfies readonly FsType[];

/** How a volume group is picked among a node's VGs; the first is the default. */
export const VG_SELECTIONS = ["most-free", "least-free", "random"] as const;

/** One of {@link VG_SELECTIONS}. */
export type VgSelection = (typeof VG_SELECTIONS)[number];

/**
 * How the chooser (the elected agent) picks a node for a claim of an `Immediate` class; the
 * first is the default. `most-free`: the node with the most free space; `least-used`: the node
 * with the fewest of our volumes (ties go to the most free space).
 */
export const NODE_SELECTION_POLICIES = ["most-free", "least-used"] as const;

/** One of {@link NODE_SELECTION_POLICIES}. */
export type NodeSelectionPolicy = (typeof NODE_SELECTION_POLICIES)[number];

/** Node selection policy used when the config names none. */
export const DEFAULT_NODE_SELECTION_POLICY: NodeSelectionPolicy = NODE_SELECTION_POLICIES[0];

/** Filesystem used when neither the entry nor the top level names one. */
export const DEFAULT_FS_TYPE: FsType = FS_TYPES[0];

/** Volume group selection used when the config names none. */
export const DEFAULT_VG_SELECTION: VgSelection = VG_SELECTIONS[0];

/** Longest VG name LVM accepts (its NAME_LEN is 128 including the terminating NUL). */
export const MAX_VG_NAME_LENGTH = 127;
