#!/usr/bin/env bash
# Regenerates tests/data/live-10ms.pcap (root, network namespaces): heartbeatd
# beating every 10 ms with tests/data/test.key as node 1 on one link, two
# gratuitous ARPs and an RFC 5227 probe from arp_send, captured for about a
# second by `fo-probe watch --arp -w` on the other end of the cable.
# usage: make_live_capture.sh BUILD_DIR   (run from the repository root)
# Same safety rules as the netns tests: its own namespaces, test addresses,
# torn down on exit. After regenerating, update the beat count expected by
# DecoderOverFixtures.LiveCaptureFromANetnsRun (tests/unit/capture_test.cpp).
set -euo pipefail
BUILD=${1:?usage: make_live_capture.sh BUILD_DIR}
HEARTBEATD=$BUILD/tools/heartbeatd/heartbeatd
FO_PROBE=$BUILD/tools/fo-probe/fo-probe
ARP_SEND=$BUILD/tests/arp_send
DATA=$(cd "$(dirname "$0")" && pwd)
source "$DATA/../netns/lib.sh"
fo_require_netns
fo_host sender sender
fo_host watcher watcher
fo_cable "$sender" lan0 198.51.100.1/24 "$watcher" lan0 198.51.100.2/24
key="$FO_WORKDIR/test.key"
install -m 600 "$DATA/test.key" "$key"
fo_spawn "$watcher" "$FO_WORKDIR/watch" "$FO_PROBE" watch -i lan0 --arp --key-file "$key" -w "$FO_WORKDIR/live.pcap" --duration 1.2
watch=$FO_LAST_PID
fo_wait_for "watching" "$FO_WORKDIR/watch.log" 10
fo_spawn "$sender" "$FO_WORKDIR/beats" "$HEARTBEATD" -i lan0 -p 198.51.100.2 --interval 10ms --key-file "$key" \
  --node-id 1 --role primary
beats=$FO_LAST_PID
sleep 0.5
ip netns exec "$sender" "$ARP_SEND" lan0 gratuitous-request 198.51.100.100 2
ip netns exec "$sender" "$ARP_SEND" lan0 probe 198.51.100.100 1
fo_wait_exit "$watch" 10
fo_stop "$beats" TERM 5
cp "$FO_WORKDIR/live.pcap" "$DATA/live-10ms.pcap"
"$FO_PROBE" watch -r "$DATA/live-10ms.pcap" --arp --key-file "$key" --json | jq -c '.senders[0] | {beats_received, lost}'
