#!/usr/bin/env bash
# fo-probe outage against a hand-made failover (no daemon of ours involved,
# as it must work against any system): hosts a and b and a client on a bridge.
#  1. clean move: the address leaves a, 150 ms later b takes it and announces
#     it; the client sees an outage of about 150 ms, the answering MAC change
#     from a to b, and no dual-owner window;
#  2. split brain: b and a hold the address together for 300 ms; fo-probe
#     reports a dual-owner window of about that length.
# The windows are made with sleeps between ip commands, which last longer on a
# loaded machine: each window is timed here around the ip commands and the
# report is checked against that measured window, not against the sleep.
# usage: outage_probe.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND
FO_PROBE=$2 ARP_SEND=$4
source "$(dirname "$0")/lib.sh"
fo_require_netns

fo_lan lan lan
fo_host a a
fo_host b b
fo_host client client
fo_plug "$lan" "$a" eth0 198.51.100.11/24 pa
fo_plug "$lan" "$b" eth0 198.51.100.12/24 pb
fo_plug "$lan" "$client" eth0 198.51.100.50/24 pc
SERVICE=198.51.100.100
W=$FO_WORKDIR
now_ms() { date +%s%3N; }
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }
a_mac=$(mac_of "$a")
b_mac=$(mac_of "$b")
ip -n "$a" addr add "$SERVICE/24" dev eth0
ip netns exec "$client" "$FO_PROBE" outage -i eth0 -t "$SERVICE" --duration 0.2 >/dev/null 2>&1 # resolves ARP

# 1. A clean move.
fo_spawn "$client" "$W/clean" "$FO_PROBE" outage -i eth0 -t "$SERVICE" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/clean.log" 10
sleep 0.5 # a baseline of replies from a (not synchronisation)
t0=$(now_ms)
ip -n "$a" addr del "$SERVICE/24" dev eth0
t1=$(now_ms)
sleep 0.15
t2=$(now_ms)
ip -n "$b" addr add "$SERVICE/24" dev eth0
ip netns exec "$b" "$ARP_SEND" eth0 gratuitous-request "$SERVICE" >/dev/null
t3=$(now_ms)
fo_check "--until-recovered ends the probe by itself" fo_wait_exit "$probe" 20
outage=$(jq '.outage_ms' "$W/clean.out")
echo "clean move: outage ${outage} ms (nobody held it for $((t2 - t1)) ms, within $((t3 - t0)) ms);" \
  "$(jq -c '{probes_sent, probes_answered, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/clean.out")"
fo_check "outage measured at 1 ms resolution" jq -e '.resolution_ms == 1' "$W/clean.out"
fo_check "outage at least the time nobody held the address, at most the whole move + 100 ms" \
  jq -e ".outage_ms >= $((t2 - t1 - 2)) and .outage_ms <= $((t3 - t0 + 100))" "$W/clean.out"
fo_check "answering MAC changed from a to b" \
  jq -e "[.owner_changes[] | .to] == [\"$a_mac\", \"$b_mac\"]" "$W/clean.out"
fo_check "no dual-owner window in a clean move" jq -e '.dual_owner_windows == []' "$W/clean.out"
fo_check "both MACs answered echoes" jq -e ".replies_per_mac[\"$a_mac\"] > 100 and .replies_per_mac[\"$b_mac\"] > 50" "$W/clean.out"
fo_check "the client's own ARP cache was not touched by the probe MAC" \
  bash -c "! ip -n '$client' neigh | grep -q '02:66:6f'"

# 2. Split brain: a takes the address back while b still holds it.
fo_spawn "$client" "$W/split" "$FO_PROBE" outage -i eth0 -t "$SERVICE" --duration 1.5 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/split.log" 10
sleep 0.4 # a baseline of replies from b (not synchronisation)
t0=$(now_ms)
ip -n "$a" addr add "$SERVICE/24" dev eth0
t1=$(now_ms)
sleep 0.3
t2=$(now_ms)
ip -n "$b" addr del "$SERVICE/24" dev eth0
t3=$(now_ms)
fo_wait_exit "$probe" 10
echo "split brain: both held it for at least $((t2 - t1)) ms, at most $((t3 - t0)) ms;" \
  "$(jq -c '{dual_owner_ms, windows: (.dual_owner_windows | length)}' "$W/split.out")"
fo_check "one dual-owner window as long as the measured one (-100 ms, +150 ms)" \
  jq -e "(.dual_owner_windows | length) == 1 and .dual_owner_ms >= $((t2 - t1 - 100)) and .dual_owner_ms <= $((t3 - t0 + 150))" \
  "$W/split.out"
fo_check "the window names both MACs" \
  jq -e ".dual_owner_windows[0].macs | sort == ([\"$a_mac\", \"$b_mac\"] | sort)" "$W/split.out"

# 3. The same clean move, probed through a UDP echo service (RFC 862).
fo_spawn "$a" "$W/echo-a" "$FO_PROBE" echo --port 7
fo_spawn "$b" "$W/echo-b" "$FO_PROBE" echo --port 7
ip -n "$b" addr del "$SERVICE/24" dev eth0 2>/dev/null || true
ip -n "$a" addr replace "$SERVICE/24" dev eth0
ip netns exec "$a" "$ARP_SEND" eth0 gratuitous-request "$SERVICE" >/dev/null # the client last learnt b
ip netns exec "$client" "$FO_PROBE" outage -i eth0 -t "$SERVICE" --udp 7 --duration 0.2 >/dev/null 2>&1
fo_spawn "$client" "$W/udp" "$FO_PROBE" outage -i eth0 -t "$SERVICE" --udp 7 --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/udp.log" 10
sleep 0.5 # a baseline of replies from a (not synchronisation)
t0=$(now_ms)
ip -n "$a" addr del "$SERVICE/24" dev eth0
t1=$(now_ms)
sleep 0.15
t2=$(now_ms)
ip -n "$b" addr add "$SERVICE/24" dev eth0
ip netns exec "$b" "$ARP_SEND" eth0 gratuitous-request "$SERVICE" >/dev/null
t3=$(now_ms)
fo_check "--until-recovered ends the UDP probe by itself" fo_wait_exit "$probe" 20
echo "udp echo: nobody held it for $((t2 - t1)) ms, within $((t3 - t0)) ms;" \
  "$(jq -c '{outage_ms, probes_answered, owner_changes: [.owner_changes[].to]}' "$W/udp.out")"
fo_check "UDP echo: outage within the measured move and the answering MAC moved from a to b" \
  jq -e ".outage_ms >= $((t2 - t1 - 2)) and .outage_ms <= $((t3 - t0 + 100)) and [.owner_changes[] | .to] == [\"$a_mac\", \"$b_mac\"]" \
  "$W/udp.out"
fo_finish
