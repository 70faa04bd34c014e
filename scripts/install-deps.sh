#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the demo need.
# Idempotent: only missing packages are installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libpcap-dev      # capture/: live and offline capture with kernel BPF filters
  libnet1-dev      # inject/: link-layer heartbeat frames and gratuitous ARPs
  libssl-dev       # wire/: HMAC-SHA256 from OpenSSL libcrypto
  libnl-route-3-dev  # takeover/: service addresses through netlink (labels, no DAD)
  libtomlplusplus-dev # daemons: the TOML configuration file
  libsystemd-dev   # daemons: Type=notify readiness and watchdog
  libcli11-dev     # tools/: command-line parsing
  nlohmann-json3-dev # tools/: --json output
  libgtest-dev libgmock-dev   # tests/
  libbenchmark-dev            # bench/
  clang libclang-rt-14-dev    # libFuzzer target and sanitizer runtimes
  clang-format clang-tidy     # style checks in the test command
  iproute2 jq procps python3  # netns tests; python3 runs run-clang-tidy
  strace                      # netns carrier_sources: which system call read the carrier
  nftables                    # netns tests: loss and partitions (netdev ingress/egress drops)
  debhelper dpkg-dev          # debian/: dpkg-buildpackage, dh (the package and its test)
  scdoc                       # docs/man/: man pages from their sources at build time
  man-db                      # tests/install: man -l on every page
  systemd                     # systemd-analyze verify/security on the units; pkg-config's unit directory
  resource-agents libxml2-utils # netns ocf_agent: ocf-tester (its xmllint) and ocf-shellfuncs for packaging/ocf/address
  prometheus                  # promtool: tests/netns/events_metrics.sh checks the metrics file (`promtool check metrics`)
  keepalived ucarp            # netns vrrp_carp_watch and tests/data/make_vrrp_carp_capture.sh: real VRRP/CARP
                              # senders for fo-probe's foreign-format decoders (and bench/failover_bench.sh)
  libcurl4-openssl-dev        # takeover/: mail through an SMTP relay (smtp_url), STARTTLS
  python3-aiosmtpd openssl    # netns smtp_mail: a real SMTP server (STARTTLS with a test certificate) for our mail
  chromium                    # tests: renders fo-probe outage --plot's SVG headless and reads its text
  python3-matplotlib          # bench/plot_bench.py: the outage comparison picture
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
