/**
 * Every annotation, label and finalizer key the project reads or writes, in one
 * place, so a typo cannot make two modules disagree about a name.
 *
 * @example
 * ```ts
 * import { ANN_SELECTED_NODE } from "./names.ts";
 * if (ANN_SELECTED_NODE !== "volume.kubernetes.io/selected-node") throw new Error();
 * ```
 *
 * @module
 */

/** On every PV we create: the provisioner that made it. Without it the PV binder treats a
 * hostPath PV as in-tree and fails it ("host_path deleter only supports /tmp/.+"). */
export const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

/** Written on a claim by the scheduler (WaitForFirstConsumer) or by our chooser (Immediate). */
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";

/** Written on a claim by the PV binder: the trigger for an external provisioner. */
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";

/** The beta spelling of {@link ANN_STORAGE_PROVISIONER}, still written by the PV binder. */
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";

/** The deprecated way to name a claim's class; Kubernetes still prefers it over the field. */
export const ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

/** Set by the PV binder only: we must never write it. */
export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";

/** Set by the PV binder only: we must never write it. */
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";

/** The node label our PVs' node affinity matches. */
export const LABEL_HOSTNAME = "kubernetes.io/hostname";

/** Our finalizer on PVs: the PV object outlives its storage only until we clean up. */
export const FINALIZER = "local-lvm.io/storage";

/** The original project's provisioner name, still honoured for its classes and volumes. */
export const LEGACY_PROVISIONER = "mein.io/local-lvm";

/** The standard label naming the tool that manages an object (our CSIStorageCapacity objects). */
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

/** Our value of {@link LABEL_MANAGED_BY}. */
export const MANAGED_BY = "local-lvm";

/** On each CSIStorageCapacity object: the node it describes, so an agent can list its own. */
export const LABEL_CAPACITY_NODE = "local-lvm.io/node";
