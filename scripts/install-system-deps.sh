#!/usr/bin/env bash
# Installs the Debian packages the tests drive (Chromium for browser tests, nginx for the deploy
# configs, nginx's cache-purge module for the stage-5 edge, iproute2 for the network-namespace
# test, redis-server for stage 6 and the tests that kill a Redis of their own) when this machine
# lacks them. Idempotent: does nothing when everything is present.
set -euo pipefail

# Fonts are only recommended by chromium, but screenshots need real glyphs.
# Monitoring (`graminsta up --monitor`, the alert-rule tests): Prometheus, promtool, Alertmanager
# and the exporters for PostgreSQL, Redis, nginx and the machine (node_exporter).
declare -A wanted=([chromium]="chromium fonts-liberation fonts-dejavu-core" [nginx]=nginx [ip]=iproute2 [redis-server]=redis-server
  [prometheus]=prometheus [prometheus-alertmanager]=prometheus-alertmanager
  [prometheus-postgres-exporter]=prometheus-postgres-exporter [prometheus-redis-exporter]=prometheus-redis-exporter
  [prometheus-nginx-exporter]=prometheus-nginx-exporter [prometheus-node-exporter]=prometheus-node-exporter)
missing=()
for bin in "${!wanted[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=(${wanted[$bin]})
done
# The stage-5 edge evicts deleted photos through ngx_cache_purge (a module, not a binary).
[ -f /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ] || missing+=(libnginx-mod-http-cache-purge)
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Tests start their own nginx on their own ports: keep the package from starting the system one.
policy=/usr/sbin/policy-rc.d
added_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  added_policy=true
fi
cleanup() { if $added_policy; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# Should a service manager have started it anyway, stop it and keep it from starting at boot.
if [ -f /run/nginx.pid ]; then
  $SUDO nginx -s quit 2>/dev/null || true
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
  # Nor the system's Prometheus and exporters: `graminsta up --monitor` runs its own.
  for unit in prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter \
    prometheus-redis-exporter prometheus-nginx-exporter; do
    $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi
# A system redis-server is left alone: tests share one on 127.0.0.1:6379 (key prefixes and db
# numbers of their own), and stage 6 starts its own on a free port.
