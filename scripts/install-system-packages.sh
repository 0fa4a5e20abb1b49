#!/usr/bin/env bash
# Installs the Debian packages Rollout builds against and the servers its tests start.
# Idempotent; needs root (CI and the sandbox machines run as root).
set -euo pipefail
packages=(
  libssh2-1-dev libcurl4-openssl-dev   # the C libraries behind SSHTransport and HTTPClient
  openssh-server openssh-client        # the test hosts and `transport: openssh`
  postgresql-15 postgresql-client-15   # backup/migrate/sql steps
  supervisor                           # restart_service against a real process manager
  redis-server                         # the strategy-subscriptions reference app's entitlements cache
  python3-venv                         # the reference verifiers and billing app
  curl                                 # the sandbox playbook's endpoint probes
  tcpdump                              # scripts/bench-playbooks: the work measured on the hosts' side of the loopback network
  git                                  # the git step and its tests
  systemd-container debootstrap zstd   # container hosts with systemd as PID 1 (scripts/host-image, scripts/container-host)
  podman runc containernetworking-plugins iptables  # a Podman engine with Docker's API (scripts/podman-engine)
  docker-compose podman-compose        # restart_service: docker_compose, with each compose Debian 12 has
  nftables iproute2                    # network faults (loss, resets) in a network namespace the fault tests create
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
