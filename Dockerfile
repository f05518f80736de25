# syntax=docker/dockerfile:1
# The local-lvm agent image (deploy/daemonset.yaml runs it on every node).
#
#   docker build -t local-lvm:dev .
#
# tests/deploy/dockerfile_test.ts checks this file statically: our machines have no container
# engine to build it with.

# Deno comes from npm at the version the README and .ci/run pin. The package's postinstall
# (install.cjs) links the binary of the build platform, from @deno/linux-x64-glibc or
# @deno/linux-arm64-glibc, to node_modules/deno/deno. It is run again explicitly, a no-op when
# npm already ran it, so an npm that skips install scripts still gets the binary. The build
# fails here unless that binary reports the pinned version.
FROM node:20-bookworm-slim AS deno
WORKDIR /deno
RUN npm install --no-save --no-package-lock --no-audit --no-fund deno@2.9.6 \
 && node node_modules/deno/install.cjs \
 && node_modules/deno/deno --version | head -n 1 | grep -q '^deno 2\.9\.6 '

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="local-lvm" \
      org.opencontainers.image.description="Node-local LVM provisioner for Kubernetes: the per-node agent"

# With LOCAL_LVM_HOST=nsenter (the DaemonSet's setting) node commands run in the host's mount
# namespace, so they are the host's own lvm2, mkfs and mount binaries, and nsenter (util-linux)
# is the one tool used from this image. The others serve LOCAL_LVM_HOST=local (the same tools
# in the container's own namespaces; there is no systemctl here) and `kubectl exec` debugging.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates lvm2 e2fsprogs xfsprogs util-linux \
 && rm -rf /var/lib/apt/lists/*

COPY --from=deno /deno/node_modules/deno/deno /usr/local/bin/deno

# A fixed cache for the npm dependencies, filled at build time: the agent runs with
# --cached-only and never downloads anything.
ENV DENO_DIR=/var/cache/deno \
    DENO_NO_UPDATE_CHECK=1 \
    NO_COLOR=1

WORKDIR /app
# Only what the agent runs (.dockerignore keeps everything else out of the context).
COPY deno.json deno.lock ./
COPY src/ src/
COPY steps/ steps/
# Every npm dependency of deno.json at the locked versions, then the agent's module graph, so a
# missing module fails the build rather than the pod.
RUN deno install --frozen \
 && deno install --frozen --entrypoint src/agent/main.ts

# Root, deliberately: nsenter into PID 1's namespaces, lvm, mkfs and mount need it (the pod is
# privileged anyway). A non-root user is not possible.
USER root
EXPOSE 9808
# The agent finishes or journals its current step on SIGTERM; `deno task` forwards it.
STOPSIGNAL SIGTERM
# The permission flags live in one place, the `start` task of deno.json.
ENTRYPOINT ["deno", "task", "start"]
