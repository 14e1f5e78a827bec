#!/usr/bin/env bash
# The `hld compose` checks that need real tools (tests/it/compose_tools.rs):
# Compose v2 `docker-compose config -q` on every generated compose.yaml,
# `nginx -t` and `haproxy -c` on every generated proxy config, and nginx
# routing live traffic on loopback. Installs what is missing first
# (.ci/install-compose-tools), then runs those tests with HLD_CI_TOOLS=1, so
# a missing tool fails instead of skipping. `.ci/run` runs the same tests as
# part of the whole suite; this script is for running them alone.
set -euo pipefail
cd "$(dirname "$0")/.."

.ci/install-compose-tools
HLD_CI_TOOLS=1 cargo test --test it compose_tools:: -- --nocapture
