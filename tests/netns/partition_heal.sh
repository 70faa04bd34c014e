#!/usr/bin/env bash
# Partition and heal ("One owner, always"; protocol version 2, ownership
# terms). The standard pair at 10 ms x 3; the client runs fo-probe outage
# throughout. The primary is cut off both links, both ways, for 1 s with no
# carrier change (nftables netdev tables, lib.sh fo_partition):
#  1. during the partition the secondary takes over on the timeout (reason
#     "peer dead: every link silent") with a term above the primary's;
#  2. after the heal both hold the address: the primary (older term) yields at
#     once and the secondary re-announces, so the client sees two MACs
#     answering ARP for at most 50 ms; the primary counts yielded_to_newer_term;
#  3. then exactly one holder, and the primary gets the address back through
#     the failback handshake after the 500 ms hold-down, with no dual-owner
#     window in the failback.
# usage: partition_heal.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
fo_require_nft
HOLD_DOWN_MS=500      # failback_hold_down_ms in fo_failover_pair
PARTITION_MS=1000
HEAL_DUAL_BOUND_MS=50
fo_failover_pair 10 3 3000
W=$FO_WORKDIR
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
primary_mac=$(mac_of "$primary")
secondary_mac=$(mac_of "$secondary")
is_int() { [[ $1 =~ ^[0-9]+$ ]]; } # a missing field (null) is not
newer_term() { is_int "$1" && is_int "$2" && (($1 > $2)); }
holders_in_kernel() {
  local n=0 ns
  for ns in "$primary" "$secondary"; do
    ip -n "$ns" -br addr show lan0 | grep -q " $SERVICE/" && n=$((n + 1))
  done
  echo "$n"
}

echo "== start the pair and let it settle"
fo_start_pair heal
fo_check "secondary stands by" fo_wait_status secondary '.state == "standby" and .holding == false' 10
fo_check "sessions up on both links, both nodes" fo_wait_status_ms primary \
  '[.links[].session.state] == ["up", "up"]' 3000
fo_check "sessions up on the secondary too" fo_wait_status_ms secondary \
  '[.links[].session.state] == ["up", "up"]' 3000
term_before=$(fo_status primary '.term')
fo_check "the primary reports an integer ownership term ($term_before)" is_int "$term_before"

fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --duration 7 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10
sleep 0.5 # the baseline: the primary answers alone

echo "== partition the primary for ${PARTITION_MS} ms (both links, both ways, carrier kept)"
partition_ns=$(fo_now_ns)
fo_partition primary
took_over=0
fo_wait_status_ms secondary '.holding' $((PARTITION_MS - 200)) && took_over=1
fo_status secondary '.' >"$W/secondary-during.json"
two_way=0
fo_wait_status_ms primary '.peer.state == "dead"' 300 >/dev/null && two_way=1
fo_status primary '.' >"$W/primary-during.json"
rest_ms=$((PARTITION_MS - ($(fo_now_ns) - partition_ns) / 1000000))
((rest_ms > 0)) && sleep "$(printf '0.%03d' "$rest_ms")" # the scenario: the partition lasts 1 s
# The heal begins with the first table deleted (frames pass from then on), so
# it is timed before fo_heal: its three nft calls take tens of ms under load,
# and the hold-down counts from the first frame heard.
heal_ns=$(fo_now_ns)
fo_heal primary
echo "   partition lasted $(((heal_ns - partition_ns) / 1000000)) ms"
fo_check "the secondary took over during the partition" test "$took_over" -eq 1
fo_check "on the timeout: last_change standby -> active, reason 'peer dead: every link silent'" jq -e \
  '.last_change.to == "active" and (.last_change.reason | startswith("peer dead: every link silent"))' \
  "$W/secondary-during.json"
fo_check "the partition was two-way: the primary heard nothing either" test "$two_way" -eq 1
fo_check "no carrier change on the primary's links" jq -e '[.links[].carrier] == [true, true]' "$W/primary-during.json"
term_secondary=$(jq -r '.term' "$W/secondary-during.json")
fo_check "the secondary acquired with a newer term ($term_secondary > $term_before)" \
  newer_term "$term_secondary" "$term_before"

echo "== heal: one owner again"
one=$(fo_wait_one_holder 3000) || true
echo "   $((($(fo_now_ns) - heal_ns) / 1000000)) ms after the heal, holder: $one"
fo_check "exactly one holder within 3 s of the heal" test "$one" == primary -o "$one" == secondary
fo_check "the primary yielded to the newer term (yielded_to_newer_term >= 1)" \
  fo_wait_status_ms primary '.counters.yielded_to_newer_term >= 1' 2000
fo_check "the secondary kept the address and re-announced it (reasserted >= 1)" \
  fo_wait_status_ms secondary '.counters.reasserted >= 1' 2000

echo "== failback after the ${HOLD_DOWN_MS} ms hold-down"
fo_check "the primary holds the address again (active)" \
  fo_wait_status_ms primary '.holding == true and .state == "active"' 10000
fo_check "the secondary released it (standby)" \
  fo_wait_status_ms secondary '.holding == false and .state == "standby"' 3000
fo_check "the kernel agrees: the service address on exactly one node" test "$(holders_in_kernel)" -eq 1
fo_wait_exit "$probe" 20 || true

figures=$(fo_partition_figures "$W/outage.out" "$partition_ns" "$heal_ns" "$primary_mac" "$secondary_mac" "$HOLD_DOWN_MS")
echo "   figures: $figures"
echo "   client saw: $(jq -c '{outage_ms, gaps: [.gaps[].ms], dual_owner_ms, dual_owner_windows: (.dual_owner_windows | length)}' "$W/outage.out")"
fo_check "takeover: the client's outage during the partition < 500 ms" \
  jq -e '.takeover_outage_ms != null and .takeover_outage_ms < 500' <<<"$figures"
fo_check "after the heal two MACs answered for <= ${HEAL_DUAL_BOUND_MS} ms" \
  jq -e ".heal_dual_owner_ms <= $HEAL_DUAL_BOUND_MS" <<<"$figures"
fo_check "the client's echoes came from the primary again, after the hold-down" \
  jq -e ".failback_at_ms != null and .failback_at_ms >= $((HOLD_DOWN_MS * 9 / 10))" <<<"$figures"
fo_check "no dual-owner window in the failback" jq -e '.failback_dual_owner_windows == 0' <<<"$figures"
fo_check "the answering MAC went primary -> secondary -> primary" \
  jq -e '.owner_changes == ["primary", "secondary", "primary"]' <<<"$figures"
fo_finish
