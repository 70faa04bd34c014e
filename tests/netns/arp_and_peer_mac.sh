#!/usr/bin/env bash
# The inject library on the wire, seen by fo-probe watch --arp:
#  - gratuitous ARP as request and as reply, and an RFC 5227 probe, each
#    correctly formed and classified;
#  - a Linux neighbour that already has an entry for the address moves it to
#    our MAC on a gratuitous request (what takeover relies on);
#  - heartbeatd resolves its unicast peer's MAC and follows it when it changes.
# usage: arp_and_peer_mac.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND
HEARTBEATD=$1 FO_PROBE=$2 ARP_SEND=$4
source "$(dirname "$0")/lib.sh"
fo_require_netns

fo_host primary primary
fo_host secondary secondary
fo_cable "$primary" eth0 198.51.100.1/24 "$secondary" eth0 198.51.100.2/24
W=$FO_WORKDIR
SERVICE=198.51.100.100
PROBED=198.51.100.101

# The secondary believes the service address is at some other MAC.
ip -n "$secondary" neigh replace "$SERVICE" lladdr 02:00:00:00:99:99 dev eth0 nud stale

fo_spawn "$secondary" "$W/watch" "$FO_PROBE" watch -i eth0 --arp --json
watch=$FO_LAST_PID
fo_wait_for "watching" "$W/watch.log" 10
mac=$(ip netns exec "$primary" "$ARP_SEND" eth0 gratuitous-request "$SERVICE")
ip netns exec "$primary" "$ARP_SEND" eth0 gratuitous-reply "$SERVICE" >/dev/null
ip netns exec "$primary" "$ARP_SEND" eth0 probe "$PROBED" >/dev/null
sleep 0.3
neighbour=$(ip -n "$secondary" neigh show "$SERVICE" dev eth0)
fo_stop "$watch" INT 5

ours="[.arp[] | select(.sender_mac == \"$mac\" and (.kind | test(\"gratuitous|probe\")))]"
echo "ARP from $mac seen by the secondary: $(jq -c "$ours | map(.kind)" "$W/watch.out")"
fo_check "gratuitous request, gratuitous reply and probe, in that order" \
  jq -e "$ours | map(.kind) == [\"gratuitous-request\", \"gratuitous-reply\", \"probe\"]" "$W/watch.out"
fo_check "gratuitous request: SPA = TPA = service, THA zero, to broadcast" \
  jq -e "$ours[0] | .sender_ip == \"$SERVICE\" and .target_ip == \"$SERVICE\" and
         .target_mac == \"00:00:00:00:00:00\" and .ethernet_destination == \"ff:ff:ff:ff:ff:ff\"" "$W/watch.out"
fo_check "gratuitous reply: THA = SHA (Linux's rule for a gratuitous reply)" \
  jq -e "$ours[1] | .target_mac == \"$mac\" and .sender_ip == \"$SERVICE\"" "$W/watch.out"
fo_check "probe: SPA 0.0.0.0, TPA the wanted address, THA zero" \
  jq -e "$ours[2] | .sender_ip == \"0.0.0.0\" and .target_ip == \"$PROBED\" and
         .target_mac == \"00:00:00:00:00:00\"" "$W/watch.out"
fo_check "the secondary's neighbour entry moved to our MAC ($neighbour)" grep -q "$mac" <<<"$neighbour"

# heartbeatd follows its unicast peer's MAC. With arp_notify the peer
# announces a changed MAC, as any host taking over an address does.
ip netns exec "$secondary" sysctl -qw net.ipv4.conf.eth0.arp_notify=1
fo_spawn "$primary" "$W/hb" "$HEARTBEATD" -i eth0 -p 198.51.100.2 --interval 10ms --no-auth --node-id 5 --summary-json
hb=$FO_LAST_PID
fo_wait_for "started" "$W/hb.log" 10
old_mac=$(ip -n "$secondary" -j link show eth0 | jq -r '.[0].address')
fo_check "heartbeatd resolved the peer at start" grep -q "is at $old_mac" "$W/hb.log"
NEW_MAC=02:00:00:00:22:22
ip -n "$secondary" link set eth0 address "$NEW_MAC"
fo_wait_for "is at $NEW_MAC" "$W/hb.log" 10 || true
fo_stop "$hb" TERM 5
fo_check "heartbeatd now sends to the peer's new MAC" jq -e ".links[0].peer_mac == \"$NEW_MAC\"" "$W/hb.out"
fo_check "no send errors" jq -e '.links[0].send_errors == 0' "$W/hb.out"
fo_finish
