# syntax=docker/dockerfile:1
# vipd image: Node 24 (slim), production dependencies only, non-root, entrypoint `vipd`.
# Sources are TypeScript run by Node's type stripping, so the image carries packages/*/src as is and
# the workspace layout (pnpm links packages/* from node_modules; Node strips types only outside
# node_modules, which the links resolve to).
# The steps after the base images are exercised by e2e/image.test.ts on every CI run.

FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/bgp/package.json packages/bgp/
COPY packages/metrics/package.json packages/metrics/
COPY packages/controller/package.json packages/controller/
RUN npx -y pnpm@10.34.8 install --prod --frozen-lockfile --filter '@vipd/controller...' --ignore-scripts
COPY packages/bgp packages/bgp
COPY packages/metrics packages/metrics
COPY packages/controller packages/controller
RUN bash packages/bgp/native/build.sh \
 && rm -rf packages/*/test packages/bgp/native/*.c

FROM node:24-bookworm-slim
# iproute2: `ip addr` for binding a control-plane VIP to the loopback (only with NET_ADMIN).
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 vipd && useradd --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin vipd
COPY --from=build /app /app
RUN ln -s /app/packages/controller/bin/vipd.mjs /usr/local/bin/vipd
USER 65532:65532
# A 2 MiB young generation: vipd's allocations are short-lived, and V8's default semi-space (16 MiB)
# alone costs ~100 B per VIP·peer of RSS at 10k VIPs; measured in BENCHMARKS.md (speaker, memory).
ENV NODE_ENV=production NODE_OPTIONS=--max-semi-space-size=2
EXPOSE 7472
ENTRYPOINT ["/usr/local/bin/vipd"]
CMD ["help"]
