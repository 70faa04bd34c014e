#!/usr/bin/env bash
# 1000 service addresses (issue 10) on the standard pair topology at
# 10 ms x 3: pull both of the primary's cables; the secondary must take over
# all of them. Checked from the client and the secondary:
#  - every address is on the secondary afterwards;
#  - the client reaches the first address again, within a bound that is
#    loose for a loaded machine (the figure itself is bench/many_addresses_trial.sh's);
#  - every address got a gratuitous ARP from the secondary, the first address
#    the first one;
#  - RFC 5227 probes are bounded (probe.addresses_per_period = 16 by default):
#    before, every probe period probed all 1000 addresses (thousands of
#    frames per takeover);
#  - the addresses leave the secondary again in one batch on failback.
# Addresses: the pair's 198.51.100.100/24 first, then 198.18.0.1/32 onwards
# (RFC 2544 benchmarking range); the client reaches them through
# 198.18.255.50/16 on its LAN cable.
# usage: many_addresses.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
EXTRA=${FO_MANY_ADDRESSES:-999} # besides the first: 1000 in all
fo_failover_pair 10 3 3000
W=$FO_WORKDIR
extra_address() { echo "198.18.$((($1 + 1) / 250)).$((($1 + 1) % 250 + 1))"; }
for role in primary secondary; do
  for ((i = 0; i < EXTRA; i++)); do
    printf '\n[[address]]\ninterface = "lan0"\naddress = "%s/32"\n' "$(extra_address "$i")"
  done >>"$W/$role.toml"
done
LAST=$(extra_address $((EXTRA - 1)))
ip -n "$client" addr add 198.18.255.50/16 dev lan0
for ns in "$primary" "$secondary"; do ip -n "$ns" route add 198.18.0.0/16 dev lan0; done
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
secondary_mac=$(mac_of "$secondary")
held() { ip -n "$1" -j addr show dev lan0 | jq '[.[0].addr_info[] | select(.label == "lan0:fo")] | length'; }

# Leftovers (a crashed secondary that held them): the starting daemon
# removes them, in one batch, before it does anything else.
LEFTOVERS=$((EXTRA < 200 ? EXTRA : 200))
for ((i = 0; i < LEFTOVERS; i++)); do echo "addr add $(extra_address "$i")/32 dev lan0 label lan0:fo"; done |
  ip -n "$secondary" -batch -
fo_check "the secondary starts with $LEFTOVERS leftover addresses" test "$(held "$secondary")" -eq "$LEFTOVERS"

fo_start_pair one
fo_check "the primary holds all $((EXTRA + 1)) addresses at start" test "$(held "$primary")" -eq $((EXTRA + 1))
fo_check "the secondary holds none (its leftovers removed at start)" test "$(held "$secondary")" -eq 0
fo_check "the secondary said so" grep -q "removing $LEFTOVERS leftover service address" "$W/secondary-one.log"
# The client's ARP cache learns the first and the last address from the primary.
ip netns exec "$client" "$FO_PROBE" outage -i lan0 -t "$LAST" --duration 0.2 >/dev/null 2>&1 || true
fo_spawn "$client" "$W/outage" "$FO_PROBE" outage -i lan0 -t "$SERVICE" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_spawn "$client" "$W/watch" "$FO_PROBE" watch -i lan0 --arp --duration 4 --json
watch=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10
fo_wait_for "watching" "$W/watch.log" 10
sleep 0.3 # a baseline of replies from the primary (not synchronisation)
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" 25 || true
fo_wait_exit "$watch" 15 || true
echo "   client saw: $(jq -c '{outage_ms, dual_owner_ms}' "$W/outage.out")"
fo_check "the secondary holds all $((EXTRA + 1)) addresses" fo_wait_status secondary \
  ".addresses_held | length == $((EXTRA + 1))" 10
fo_check "and the kernel agrees" test "$(held "$secondary")" -eq $((EXTRA + 1))
fo_check "the client reached the first address again within 300 ms" \
  jq -e '.outage_ms > 0 and .outage_ms < 300' "$W/outage.out"
fo_check "the last address answers the client from the secondary" \
  ip netns exec "$client" "$FO_PROBE" outage -i lan0 -t "$LAST" --until-recovered --duration 5 --json

jq --arg mac "$secondary_mac" '[.arp[] | select(.sender_mac == $mac)]' "$W/watch.out" >"$W/arp.json"
garps=$(jq '[.[] | select(.kind == "gratuitous-request")]' "$W/arp.json")
announced=$(jq '[.[].sender_ip] | unique | length' <<<"$garps")
probes=$(jq '[.[] | select(.kind == "probe")] | length' "$W/arp.json")
first=$(jq -r '.[0].sender_ip' <<<"$garps")
first_round_ms=$(jq '(([.[] | .time_ns] | .[0:'"$((EXTRA + 1))"'] | max) - .[0].time_ns) / 1e6' <<<"$garps")
echo "   secondary sent: $(jq length <<<"$garps") gratuitous ARPs for $announced addresses" \
  "(first round over $first_round_ms ms), $probes probes"
fo_check "the capture listed every gratuitous ARP (only other ARP kinds are capped)" \
  test "$(jq length <<<"$garps")" -ge $((EXTRA + 1))
fo_check "every address got a gratuitous ARP from the secondary" test "$announced" -eq $((EXTRA + 1))
fo_check "the first address was announced first" test "$first" == "$SERVICE"
# fo-probe lists at most a few thousand ARP frames that are not gratuitous
# and counts the rest as dropped: a flood of probes shows in either.
dropped=$(jq .arp_dropped "$W/watch.out")
fo_check "probes bounded: $probes listed + $dropped unlisted, at most 2000 (16 a 10 ms period; was $((EXTRA + 1)) a period)" \
  test $((probes + dropped)) -le 2000
fo_check "the secondary probed before claiming" test "$probes" -ge 2

echo "== plug the primary back: failback removes every address from the secondary"
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
fo_check "the primary holds all addresses again" fo_wait_status primary \
  ".addresses_held | length == $((EXTRA + 1))" 20
deadline=$((SECONDS + 10))
while (($(held "$secondary") > 0 && SECONDS < deadline)); do sleep 0.05; done
fo_check "the secondary holds none" test "$(held "$secondary")" -eq 0
fo_check "no address error on either side" \
  test "$(fo_status primary '.counters.address_errors') $(fo_status secondary '.counters.address_errors')" == "0 0"
fo_finish
