/**
 * The agent: reflectors feeding two work queues (claims to provision, PVs to reclaim),
 * the saga engine behind them, journal recovery before any new work, and a graceful stop.
 *
 * @module
 */

import type { ConfigWatcher } from "../config/watcher.ts";
import type { Executor } from "../host/executor.ts";
import {
  NODES,
  PERSISTENT_VOLUME_CLAIMS,
  PERSISTENT_VOLUMES,
  STORAGE_CLASSES,
} from "../kube/api_path.ts";
import { KubeCapacityApi } from "../kube/capacity_api.ts";
import { ClaimApi } from "../kube/claim_api.ts";
import type { KubeClients } from "../kube/client.ts";
import { ApiEventSink } from "../kube/event_object.ts";
import { EventRecorder } from "../kube/events.ts";
import { KubeVolumeApi } from "../kube/kube_volume_api.ts";
import { apiListWatch } from "../kube/list_watch.ts";
import { type KubeObject, objectKey } from "../kube/objects.ts";
import { Reflector } from "../kube/reflector.ts";
import { type ProcessOutcome, WorkQueue } from "../kube/work_queue.ts";
import { ReservationBook } from "../provision/reservations.ts";
import { FileJournal } from "../saga/file_journal.ts";
import { TimedExecutor } from "../host/timed_executor.ts";
import { SagaEngine, type SagaEvent } from "../saga/engine.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { resizeSaga } from "../../steps/resize_saga.ts";
import { ResizeController } from "./resize_controller.ts";
import { LABEL_HOSTNAME } from "../decide/names.ts";
import { type ActiveClaims, reconcileClaim } from "./claim_controller.ts";
import type { AgentContext, AgentLogger, EventSink } from "./context.ts";
import { recoverJournal } from "./recovery.ts";
import { reconcileVolume } from "./volume_controller.ts";
import { CapacityPublisher, DEFAULT_NAMESPACE } from "./capacity_publisher.ts";
import type { HealthSource } from "./health.ts";
import { AgentMetrics } from "./metrics.ts";
import { type MetricsRefresh, startMetricsRefresh } from "./metrics_refresh.ts";
import { DEFAULT_NODE_GRACE_MS, type ElectionSettings } from "./election_settings.ts";
import { DEFAULT_ELECTION_TIMING } from "./leader_election.ts";
import { startLeaderDuties } from "./leader_duties.ts";

/** What an agent is built from. */
export interface AgentParts {
  nodeName: string;
  stateDir: string;
  workers: number;
  exec: Executor;
  /** Only the raw client: the agent never loads client-node's typed APIs (see own_config.ts). */
  clients: Pick<KubeClients, "http" | "namespace">;
  config: ConfigWatcher;
  log: AgentLogger;
  /** The agent's own namespace (POD_NAMESPACE); else the kubeconfig's or the pod's. */
  namespace?: string;
  /** Lease timing and the deleted-node grace period; client-go's and 5 min by default. */
  election?: ElectionSettings;
}

/** A running agent. */
export interface RunningAgent extends HealthSource {
  /** Its Prometheus metrics (`/metrics`). */
  metrics: AgentMetrics;
  /** Resolves when the caches have synced and the journal is recovered. */
  ready: Promise<void>;
  /** A new config is in force: claims that could not be served may be servable now. */
  configChanged(): void;
  /** Stops taking work, lets the current steps finish (journaling them), and stops. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts an agent; it runs until `stop()`. */
export function startAgent(parts: AgentParts): RunningAgent {
  const { nodeName, clients, log } = parts;
  const halt = new AbortController();
  let heartbeat = Date.now();
  let recovered = false;
  const beat = () => (heartbeat = Date.now());

  const kubeLog = {
    info: log.info.bind(log),
    warn: log.warn.bind(log),
    error: log.error.bind(log),
  };
  const recorder = new EventRecorder({
    sink: new ApiEventSink(clients.http),
    logger: kubeLog,
    reportingInstance: nodeName,
  });
  const events: EventSink = {
    normal: (target, reason, note) => recorder.normal(target as never, reason as never, note),
    warning: (target, reason, note) => recorder.warning(target as never, reason as never, note),
  };
  const active: ActiveClaims = new Map();
  let refresh: MetricsRefresh | undefined;
  const metrics = new AgentMetrics({
    config: () => parts.config.stats(),
    afterSaga: () => refresh?.volumesChanged(),
  });
  // Every node command of this agent is timed, so its own time can be told from the node's.
  const exec = new TimedExecutor(parts.exec, (timing) => metrics.observeCommand(timing));
  const reservations = new ReservationBook();
  const volumes = new KubeVolumeApi(clients.http);
  const journal = new FileJournal(`${parts.stateDir}/journal`);
  const engine = new SagaEngine(provisionSaga, {
    journal,
    deps: { exec, kube: volumes, reservations },
    signal: halt.signal,
    onEvent: (event) => onSagaEvent(event),
  });
  const claimApi = new ClaimApi(clients.http);
  const resizeEngine = new SagaEngine(resizeSaga, {
    journal,
    deps: { exec, kube: volumes, claims: claimApi },
    signal: halt.signal,
    onEvent: (event) => onSagaEvent(event),
  });

  const onSagaEvent = (event: SagaEvent) => {
    beat();
    metrics.observeStep(event);
    // A reservation, an LV made or removed: the free space moved.
    capacity.request();
    const claim = active.get(event.sagaId);
    const props = {
      pv: event.sagaId,
      step: event.step,
      action: event.action,
      ms: Math.round(event.durationMs),
    };
    if (event.outcome === "ok") {
      log.debug("Step {step} ({action}) of {pv} done", props);
      return;
    }
    log.warn("Step {step} ({action}) of {pv} failed: {error}", {
      ...props,
      error: event.error?.message,
    });
    // Report a failed provisioning step at once, with the command's stderr, not after the rollback.
    if (claim && event.action === "do") {
      events.warning(
        claim,
        "ProvisioningFailed",
        `failed to provision volume ${event.sagaId}: step ${event.step}: ${event.error?.message}`,
      );
    }
  };

  const reflector = <T extends KubeObject>(
    type: Parameters<typeof apiListWatch>[1],
    onChange: (o: T) => void,
    options: Parameters<typeof apiListWatch>[2] = {},
  ) =>
    new Reflector<T>({
      listWatch: apiListWatch<T>(clients.http, type, options),
      logger: kubeLog,
      handlers: {
        onAdd: (o) => (beat(), onChange(o)),
        onUpdate: (_, o) => (beat(), onChange(o)),
        onDelete: (o) => (beat(), onChange(o)),
      },
    });

  // Retries (an outcome asking for one, or a thrown error) are counted per queue.
  const counted = (queue: string, work: Promise<ProcessOutcome>) =>
    work.then((outcome) => {
      if (outcome && "retry" in outcome) metrics.retried(queue);
      return outcome;
    }, (error) => {
      metrics.retried(queue);
      throw error;
    });
  ["claims", "volumes", "resizes"].forEach((queue) => metrics.declareQueue(queue));
  const claimQueue = new WorkQueue(
    (key) => (beat(), counted("claims", reconcileClaim(ctx, active, key))),
    { logger: kubeLog, name: "claims", concurrency: parts.workers },
  );
  const volumeQueue = new WorkQueue(
    (key) => (beat(), counted("volumes", reconcileVolume(ctx, key))),
    { logger: kubeLog, name: "volumes", concurrency: parts.workers },
  );
  const resizeQueue = new WorkQueue(
    (key) => (beat(), counted("resizes", resizer.reconcile(key))),
    { logger: kubeLog, name: "resizes", concurrency: parts.workers },
  );
  const claims = reflector(PERSISTENT_VOLUME_CLAIMS, (o) => {
    claimQueue.add(objectKey(o));
    resizeQueue.add(objectKey(o));
    duties.claimChanged(objectKey(o));
  });
  const pvs = reflector(PERSISTENT_VOLUMES, (o) => {
    volumeQueue.add(objectKey(o));
    duties.volumeChanged();
    const ref = (o.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)
      ?.claimRef;
    if (ref?.namespace && ref.name) resizeQueue.add(`${ref.namespace}/${ref.name}`);
  });
  const classes = reflector(STORAGE_CLASSES, () => {
    claims.list().forEach((c) => claimQueue.add(objectKey(c)));
    capacity.request();
    duties.classChanged();
  });
  const nodes = reflector(NODES, () => capacity.request(), {
    fieldSelector: `metadata.name=${nodeName}`,
  });
  const reflectors = [claims, pvs, classes, nodes];

  const hostnameLabel = () =>
    (nodes.get(nodeName)?.metadata.labels as Record<string, string> | undefined)
      ?.[LABEL_HOSTNAME] ??
      nodeName;
  const capacity = new CapacityPublisher({
    nodeName,
    namespace: parts.namespace ?? clients.namespace ?? DEFAULT_NAMESPACE,
    exec,
    api: new KubeCapacityApi(clients.http),
    config: () => parts.config.current(),
    reservations: () => reservations.list(),
    storageClasses: () =>
      classes.list().map((sc) => [sc.metadata.name, String(sc.provisioner ?? "")] as const),
    node: () => {
      const node = nodes.get(nodeName);
      return node?.metadata.uid
        ? { name: nodeName, uid: node.metadata.uid, hostnameLabel: hostnameLabel() }
        : undefined;
    },
    log,
  });

  const ctx: AgentContext = {
    nodeName,
    hostnameLabel,
    config: () => parts.config.current(),
    exec,
    volumes,
    events,
    journal,
    reservations,
    engine,
    claims,
    persistentVolumes: pvs,
    storageClasses: classes,
    metrics,
    claimApi,
    capacity,
    log,
  };

  const resizer = new ResizeController({
    ...ctx,
    claimStatus: claimApi,
    runner: { engine: resizeEngine, claims: claimApi, events },
  });

  // Immediate binding and deleted nodes: done by whichever agent holds the Lease.
  const duties = startLeaderDuties({
    identity: nodeName,
    namespace: parts.namespace ?? clients.namespace ?? DEFAULT_NAMESPACE,
    http: clients.http,
    timing: parts.election?.timing ?? DEFAULT_ELECTION_TIMING,
    nodeGraceMs: parts.election?.nodeGraceMs ?? DEFAULT_NODE_GRACE_MS,
    config: () => parts.config.current(),
    claims,
    persistentVolumes: pvs,
    storageClasses: classes,
    claimApi: ctx.claimApi as ClaimApi,
    volumes,
    events,
    log,
  });

  const ticker = setInterval(beat, 10_000);
  reflectors.forEach((r) => r.start());
  const ready = (async () => {
    await Promise.all(reflectors.map((r) => r.synced));
    for (const name of await journal.discardTornWrites()) {
      log.info("Discarded {file}, a journal write cut short by the last stop", { file: name });
    }
    metrics.setJournalPending((await journal.list()).length);
    await recoverJournal(ctx);
    await resizer.recover();
    metrics.setJournalPending((await journal.list()).length);
    // Before taking claims: the scheduler needs the objects to pick this node at all.
    await capacity.publishNow();
    recovered = true;
    claimQueue.start();
    volumeQueue.start();
    resizeQueue.start();
    refresh = startMetricsRefresh(ctx, metrics);
    log.info("Agent ready on node {node}", { node: nodeName });
  })();

  return {
    ready,
    metrics,
    sinceHeartbeatMs: () => Date.now() - heartbeat,
    configChanged() {
      log.info("Config changed: looking at every claim again", {});
      claims.list().forEach((c) => claimQueue.add(objectKey(c)));
      capacity.request();
    },
    notReady: () => [
      ...Object.entries({ claims, pvs, classes, nodes })
        .filter(([, r]) => !r.hasSynced)
        .map(([name]) => `${name} cache not synced`),
      ...duties.notSynced(),
      ...(recovered ? [] : ["journal not recovered"]),
      ...(parts.config.stats().lastReloadOk
        ? []
        : ["config file on disk is invalid (last good one in use)"]),
    ],
    async stop(timeoutMs = 60_000) {
      log.info("Stopping: finishing the current steps", {});
      clearInterval(ticker);
      // First, so a leader releases the Lease and another agent takes over at once.
      await duties.stop();
      await Promise.all(reflectors.map((r) => r.stop()));
      // Sagas stop at their next step boundary, with the journal up to date.
      halt.abort();
      await Promise.all(
        [claimQueue, volumeQueue, resizeQueue].map((q) => q.shutdown(timeoutMs)),
      );
      await capacity.stop();
      await refresh?.stop();
      await recorder.flush();
      log.info("Stopped", {});
    },
  };
}
