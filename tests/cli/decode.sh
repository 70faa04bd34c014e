#!/usr/bin/env bash
# fo-probe decode and watch over the pcap fixtures: every frame listed with
# its fields or its drop reason, malformed input never crashes the tool, and
# a file that is not a capture is a clear error. No root needed. Every pipe
# into jq runs with pipefail: fo-probe's own exit status counts.
# usage: decode.sh FO_PROBE DATA_DIR
set -euo pipefail
FO_PROBE=$1 DATA=$2
failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A git clone leaves the test key 0644; key files must be private (0600).
KEY="$work/test.key"
install -m 600 "$DATA/test.key" "$KEY"
check() {
  local description=$1
  shift
  if "$@" >/dev/null 2>&1; then echo "PASS: $description"; else echo "FAIL: $description"; failures=$((failures + 1)); fi
}
decode() { "$FO_PROBE" decode "$DATA/$1" --key-file "$KEY" --json; }

check "beats: 25 heartbeats, all verified" \
  bash -c "set -o pipefail; $(declare -f decode); FO_PROBE='$FO_PROBE' DATA='$DATA' KEY='$KEY' decode beats.pcap | jq -e '[.frames[] | select(.kind == \"heartbeat\" and .mac == \"verified\")] | length == 25'"
check "malformed: every frame listed, with its drop reason or MAC verdict" \
  bash -c "set -o pipefail; $(declare -f decode); FO_PROBE='$FO_PROBE' DATA='$DATA' KEY='$KEY' decode malformed.pcap | jq -e '(.frames | length) == 17 and
     ([.frames[] | .drop_reason // .mac // .kind] == [\"too_short\", \"other\", \"bad_ip_header\", \"bad_ip_length\",
      \"bad_ip_checksum\", \"ip_fragment\", \"other\", \"other\", \"bad_udp_length\", \"bad_udp_checksum\",
      \"payload_too_short\", \"bad_magic\", \"unknown_version\", \"bad_length\", \"unknown_message_type\",
      \"auth_missing\", \"bad_mac\"])'"
check "ndp: DAD probe, resolution, unsolicited advertisement, a broken checksum" \
  bash -c "set -o pipefail; $(declare -f decode); FO_PROBE='$FO_PROBE' DATA='$DATA' KEY='$KEY' decode ndp.pcap | jq -e '
     [.frames[] | .drop_reason // .kind] == [\"neighbor_solicit\", \"neighbor_solicit\", \"neighbor_advert\",
      \"bad_icmpv6_checksum\"] and .frames[0].neighbor_solicit.dad and (.frames[1].neighbor_solicit.dad | not) and
     .frames[0].neighbor_solicit.target == \"2001:db8::100\" and .frames[2].neighbor_advert.override'"
check "arp: the five kinds" \
  bash -c "set -o pipefail; $(declare -f decode); FO_PROBE='$FO_PROBE' DATA='$DATA' KEY='$KEY' decode arp.pcap | jq -e '[.frames[].arp.type] ==
     [\"gratuitous-request\", \"gratuitous-reply\", \"probe\", \"request\", \"reply\"]'"
check "live capture: watch --arp lists the GARPs and the probe; the sender never went silent" \
  bash -c "set -o pipefail; '$FO_PROBE' watch -r '$DATA/live-10ms.pcap' --arp --json | jq -e '
     ([.arp[] | select(.kind != \"request\" and .kind != \"reply\") | .kind] ==
      [\"gratuitous-request\", \"gratuitous-request\", \"probe\"]) and ([.arp[].silent_node] | all(. == null))'"
check "keepalived VRRPv3: 27 adverts of VRID 51 every 5 cs, 5 gratuitous ARPs" \
  bash -c "set -o pipefail; '$FO_PROBE' decode '$DATA/vrrp3-ipv4.pcap' --json | jq -e '
     ([.frames[] | select(.kind == \"advert\" and .advert.protocol == \"vrrp3\" and .advert.vrid == 51 and
       .advert.advert_interval == 5 and .advert.addresses == [\"198.51.100.100\"])] | length == 27) and
     ([.frames[] | select(.arp.type == \"gratuitous-request\")] | length == 5)'"
check "keepalived VRRPv2 and VRRPv3 over IPv6" \
  bash -c "set -o pipefail; '$FO_PROBE' decode '$DATA/vrrp2-ipv4.pcap' --json | jq -e '[.frames[].advert | .protocol == \"vrrp2\" and .auth_type == 0] | all' &&
           '$FO_PROBE' decode '$DATA/vrrp3-ipv6.pcap' --json | jq -e '[.frames[] | select(.kind == \"advert\") | .advert | .family == \"ipv6\" and .destination_ip == \"ff02::12\" and .addresses == [\"2001:db8::100\"]] | all and length == 16'"
check "ucarp: CARP adverts with the digest shown, not verified" \
  bash -c "set -o pipefail; '$FO_PROBE' decode '$DATA/carp.pcap' --json | jq -e '[.frames[] | select(.kind == \"advert\") | .advert |
     .protocol == \"carp\" and .vhid == 54 and (.digest | length) == 40 and .digest_verified == false] | length == 4 and all'"
check "watch: keepalived master change with the takeover on the wire" \
  bash -c "set -o pipefail; '$FO_PROBE' watch -r '$DATA/vrrp3-ipv4.pcap' --arp --json | jq -e '.adverts[0] as \$r |
     \$r.master_changes == 1 and \$r.master == \"198.51.100.2\" and \$r.lost == 0 and
     (\$r.master_change_list[0].takeover_ms > 150 and \$r.master_change_list[0].takeover_ms < 250)'"
check "watch: keepalived IPv6 master change announced by unsolicited neighbor advertisements" \
  bash -c "set -o pipefail; '$FO_PROBE' watch -r '$DATA/vrrp3-ipv6.pcap' --arp --json | jq -e '
     ([.neighbor_adverts[] | select(.solicited == false and .target == \"2001:db8::100\")] | length == 5) and
     (.adverts[0].master_change_list[0].takeover_ms > 300 and .adverts[0].master_change_list[0].takeover_ms < 450)'"
check "watch: ucarp master change, the new master's ARP found although adverts come from the virtual MAC" \
  bash -c "set -o pipefail; '$FO_PROBE' watch -r '$DATA/carp.pcap' --arp --json | jq -e '.adverts[0].master_change_list[0] |
     .from == \"198.51.100.1\" and .to == \"198.51.100.2\" and .takeover_ms > 3000'"
garbage=$(mktemp)
head -c 4096 /dev/urandom >"$garbage"
status=0
out=$("$FO_PROBE" decode "$garbage" 2>&1) || status=$?
check "a file that is not a capture: non-zero exit" test "$status" -ne 0
check "... and a message naming the file" grep -q "$garbage" <<<"$out"
rm -f "$garbage"

# Broken captures: libpcap's error and a non-zero exit, never a silent 0.
python3 - "$DATA/beats.pcap" "$work" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2] + "/truncated.pcap", "wb").write(data[:-10])
corrupt = bytearray(data)
struct.pack_into("<I", corrupt, 24 + 8, 0x7FFFFFFF)  # the first record's captured length
open(sys.argv[2] + "/corrupt.pcap", "wb").write(corrupt)
stamp = bytearray(data)
struct.pack_into("<I", stamp, 24 + 4, 1_500_000_000)  # nanoseconds field of the first record
open(sys.argv[2] + "/timestamp.pcap", "wb").write(stamp)
PY
# expect_decode NAME STATUS PATTERN ARGS...
expect_decode() {
  local name=$1 want=$2 pattern=$3 out status=0
  shift 3
  out=$("$FO_PROBE" decode "$@" 2>&1) || status=$?
  if ((status == want)) && grep -qE -- "$pattern" <<<"$out"; then
    echo "PASS: $name (exit $status)"
  else
    echo "FAIL: $name (exit $status, wanted $want and /$pattern/): $(tail -n 3 <<<"$out")"
    failures=$((failures + 1))
  fi
}
expect_decode "a truncated record: libpcap's error, exit 1" 1 \
  "truncated.pcap: truncated dump file; tried to read 138 captured bytes, only got 128" "$work/truncated.pcap"
expect_decode "a corrupt record: libpcap's error, exit 1" 1 \
  "corrupt.pcap: invalid packet capture length 2147483647, bigger than snaplen of 65535" "$work/corrupt.pcap"
expect_decode "a nanosecond field over 1e9: reported as malformed" 0 \
  "^1 MALFORMED-TIMESTAMP beat node 1" "$work/timestamp.pcap"
expect_decode "... and counted on stderr" 0 "timestamp.pcap: 1 record\(s\) with a malformed timestamp" \
  "$work/timestamp.pcap"
check "... and in JSON as time \"malformed\"" \
  bash -c "set -o pipefail; '$FO_PROBE' decode '$work/timestamp.pcap' --json 2>/dev/null | jq -e '.frames[0].time == \"malformed\" and .frames[1].time == \"1700000000.001000000\"'"
check "a key file others can read is refused" bash -c "! '$FO_PROBE' decode '$DATA/beats.pcap' --key-file '$DATA/test.key' 2>/dev/null || [[ \$(stat -c %a '$DATA/test.key') == 600 ]]"
((failures == 0)) && echo "all checks passed" || { echo "$failures check(s) failed"; exit 1; }
