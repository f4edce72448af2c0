#!/usr/bin/env bash
# The Go examples check needs a Go toolchain (1.19 or newer). On a fresh Debian machine where the
# build runs as root (this project's build machines and CI), install Debian's golang-go, so that
# `npm ci && npx projen build` stays the whole set-up; anywhere else, say what to install.
set -euo pipefail
if command -v go >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-go: no 'go' on the PATH; installing Debian's golang-go (apt-get) for the Go examples check"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  command -v go >/dev/null 2>&1 && exit 0
fi
echo "ensure-go: the build's Go examples check needs Go 1.19 or newer on the PATH (Debian/Ubuntu: apt-get install golang-go; or https://go.dev/dl/)" >&2
exit 1
