#!/usr/bin/env bash
# The demo (README command 1): builds everything and runs two nodes in network
# namespaces. This first version shows the packet engine: heartbeatd on the
# primary beats on the LAN and on a private link at 10 ms; fo-probe on the
# secondary reports what arrives, then the LAN cable is pulled and the report
# shows the LAN link falling silent while the private link keeps beating.
# The daemons issue turns this into the full failover demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build >/dev/null
echo "built."

source tests/netns/lib.sh
fo_require_netns
HEARTBEATD=build/tools/heartbeatd/heartbeatd
FO_PROBE=build/tools/fo-probe/fo-probe

fo_host primary primary
fo_host secondary secondary
fo_cable "$primary" lan0 198.51.100.1/24 "$secondary" lan0 198.51.100.2/24
fo_cable "$primary" priv0 203.0.113.1/24 "$secondary" priv0 203.0.113.2/24
fo_key_file key demo.key
W=$FO_WORKDIR

echo
echo "== primary beats every 10 ms on lan0 (unicast) and priv0 (broadcast)"
fo_spawn "$primary" "$W/heartbeatd" "$HEARTBEATD" -i lan0 -i priv0 -p 198.51.100.2 -p broadcast \
  --interval 10ms --key-file "$key" --node-id 1
fo_wait_for "started" "$W/heartbeatd.log" 10
sed 's/^/   /' "$W/heartbeatd.log"

for link in lan0 priv0; do
  fo_spawn "$secondary" "$W/watch-$link" "$FO_PROBE" watch -i "$link" --key-file "$key" --duration 4
done
sleep 2
echo
echo "== $(date +%T) pulling the primary's LAN cable (lan0 down); the private link stays"
ip -n "$primary" link set lan0 down
sleep 2.5
for link in lan0 priv0; do
  echo
  echo "== fo-probe watch on the secondary's $link (4 s, cable pulled after 2 s)"
  sed 's/^/   /' "$W/watch-$link.out"
done
echo
echo "The LAN link fell silent after about 200 beats while the private link kept"
echo "beating: a watcher must call that DEGRADED, not dead (the daemons issue)."
