#!/usr/bin/env bash
# Regenerates the foreign-advert captures in tests/data (root, network
# namespaces): real keepalived and ucarp, recorded by `fo-probe watch --arp -w`
# on a third host of the same LAN bridge.
#   vrrp3-ipv4.pcap  keepalived pair, VRRPv3 over IPv4, advert_int 0.05, VRID 51;
#                    the master's bridge port goes down after 0.6 s: the backup
#                    takes over (master change, gratuitous ARPs)
#   vrrp2-ipv4.pcap  one keepalived, VRRPv2 (vrrp_version 2), advert_int 1, VRID 52
#   vrrp3-ipv6.pcap  keepalived pair, VRRPv3 over IPv6 (link-local source,
#                    ff02::12), advert_int 0.1, VRID 53; the master's port goes
#                    down after 0.6 s: the backup takes over and announces with
#                    unsolicited neighbor advertisements
#   carp.pcap        ucarp pair, advbase 1 s, VHID 54, advskew 0 / 100; the
#                    master's port goes down: the backup takes over
# usage: make_vrrp_carp_capture.sh BUILD_DIR [NAME...]   (run from the repository
# root; NAMEs, e.g. vrrp3-ipv6, regenerate only those captures)
# Same safety rules as the netns tests: its own namespaces, test addresses,
# torn down on exit. After regenerating, update the counts expected by
# tests/unit/advert_test.cpp and tests/unit/capture_test.cpp.
set -euo pipefail
BUILD=${1:?usage: make_vrrp_carp_capture.sh BUILD_DIR [NAME...]}
shift
ONLY=" $* "
wanted() { [[ "$ONLY" == "  " || "$ONLY" == *" $1 "* ]]; }
FO_PROBE=$BUILD/tools/fo-probe/fo-probe
DATA=$(cd "$(dirname "$0")" && pwd)
source "$DATA/../netns/lib.sh"
fo_require_netns
command -v keepalived >/dev/null || fo_skip_or_fail "keepalived is not installed (scripts/install-deps.sh)"
command -v ucarp >/dev/null || fo_skip_or_fail "ucarp is not installed (scripts/install-deps.sh)"

# A LAN bridge with routers a and b and a watcher; fresh for every capture.
topology() {
  fo_lan lan "lan$1"
  fo_host a "a$1"
  fo_host b "b$1"
  fo_host watcher "w$1"
  fo_no_dad "$a"
  fo_no_dad "$b"
  fo_no_dad "$watcher"
  fo_plug "$lan" "$a" lan0 198.51.100.1/24 a-lan
  fo_plug "$lan" "$b" lan0 198.51.100.2/24 b-lan
  fo_plug "$lan" "$watcher" lan0 198.51.100.50/24 w-lan
  ip -n "$a" addr add 2001:db8::1/64 dev lan0 nodad
  ip -n "$b" addr add 2001:db8::2/64 dev lan0 nodad
}

# watch NAME SECONDS: records the watcher's lan0 for SECONDS into NAME.pcap.
watch() {
  fo_spawn "$watcher" "$FO_WORKDIR/watch-$1" "$FO_PROBE" watch -i lan0 --arp -w "$FO_WORKDIR/$1.pcap" --duration "$2"
  WATCH=$FO_LAST_PID
  fo_wait_for "watching" "$FO_WORKDIR/watch-$1.log" 10
}

finish() { # NAME: waits for the recording, copies it, stops everything of this capture
  fo_wait_exit "$WATCH" 30
  cp "$FO_WORKDIR/$1.pcap" "$DATA/$1.pcap"
  for pid in "${FO_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.5
  "$FO_PROBE" watch -r "$DATA/$1.pcap" --arp --json | jq -c '{frames_seen, adverts: [.adverts[] | {protocol, family, vrid, adverts_received, master_changes}]}'
}

# until_master NS VIP SECONDS: waits (bounded) until NS holds VIP.
until_master() {
  local deadline=$((SECONDS + $3))
  until ip -n "$1" addr show lan0 | grep -q " $2/"; do
    ((SECONDS < deadline)) || { echo "no master holds $2 after $3 s"; return 1; }
    sleep 0.05
  done
}

if wanted vrrp3-ipv4; then
topology 1
fo_keepalived "$a" ka-a "$(fo_keepalived_conf a MASTER 150 51 0.05 3 198.51.100.100/24)"
until_master "$a" 198.51.100.100 10
fo_keepalived "$b" ka-b "$(fo_keepalived_conf b BACKUP 100 51 0.05 3 198.51.100.100/24)"
sleep 0.5
watch vrrp3-ipv4 1.5
sleep 0.6
ip -n "$lan" link set a-lan down
finish vrrp3-ipv4
fi

if wanted vrrp2-ipv4; then
topology 2
fo_keepalived "$a" ka2 "$(fo_keepalived_conf a MASTER 150 52 1 2 198.51.100.100/24)"
until_master "$a" 198.51.100.100 10
watch vrrp2-ipv4 2.5
finish vrrp2-ipv4
fi

if wanted vrrp3-ipv6; then
topology 3
fo_keepalived "$a" ka6 "$(fo_keepalived_conf a MASTER 150 53 0.1 3 2001:db8::100/64)"
until_master "$a" 2001:db8::100 10
fo_keepalived "$b" ka6b "$(fo_keepalived_conf b BACKUP 100 53 0.1 3 2001:db8::100/64)"
sleep 0.5
watch vrrp3-ipv6 1.8
sleep 0.6
ip -n "$lan" link set a-lan down
finish vrrp3-ipv6
fi

if wanted carp; then
topology 4
fo_ucarp "$a" ucarp-a 198.51.100.1 54 0 198.51.100.100 24
until_master "$a" 198.51.100.100 15
fo_ucarp "$b" ucarp-b 198.51.100.2 54 100 198.51.100.100 24
sleep 1
watch carp 8.5
sleep 2.2
ip -n "$lan" link set a-lan down
finish carp
fi
