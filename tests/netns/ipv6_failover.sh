#!/usr/bin/env bash
# IPv6 service addresses (issue 11): the standard pair with an IPv4 and an
# IPv6 service address on lan0, IPv6 enabled in every namespace.
#  1. the primary holds both; the client reaches 2001:db8::100 and its
#     neighbor entry holds the primary's MAC; the secondary's capture joined
#     the address's solicited-node group (another node's DAD probe goes there);
#  2. pull both of the primary's cables: the secondary takes over, the
#     client's ICMPv6 outage is measured by fo-probe outage, and so is its
#     UDP outage over IPv6 (--udp, `fo-probe echo` in both servers' namespaces,
#     with a --plot picture whose caption agrees with the JSON), and the
#     secondary's unsolicited neighbor advertisements move the client's
#     entry to the secondary's MAC with no solicitation from the client;
#  3. plug them back: clean failback, never both holding (status) nor two
#     MACs answering or advertising (fo-probe), the client's entry back on
#     the primary's MAC;
#  4. a third host already holding the IPv6 address vetoes the claim (the
#     DAD probe is answered), as an ARP reply vetoes an IPv4 one.
# usage: ipv6_failover.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FO_PROBE=$2 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
fo_failover_pair 10 3 3000
W=$FO_WORKDIR
SERVICE6=2001:db8::100
for role in primary secondary; do
  cat >>"$W/$role.toml" <<TOML

[[address]]
interface = "lan0"
address = "$SERVICE6/64"
TOML
done
# IPv6 on in every namespace, no DAD for the test's own addresses (usable at once).
host6=1
for ns in "$primary" "$secondary" "$client"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
    net.ipv6.conf.lan0.disable_ipv6=0 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.lan0.accept_dad=0
  ip -n "$ns" addr add "2001:db8::$host6/64" dev lan0 nodad
  host6=$((host6 + 1))
done
mac_of() { ip -n "$1" -j link show lan0 | jq -r '.[0].address'; }
primary_mac=$(mac_of "$primary")
secondary_mac=$(mac_of "$secondary")
# The client's neighbor entry for the service address, without asking anyone.
client_entry() { ip -n "$client" -6 -j neigh show "$SERVICE6" dev lan0 | jq -r '.[0].lladdr // "none"'; }
# One ICMPv6 echo from the client (python: the image has no ping).
echo6() {
  ip netns exec "$client" python3 - "$SERVICE6" <<'PY'
import socket, sys, select
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.sendto(bytes([128, 0, 0, 0, 0x12, 0x34, 0, 1]) + b"fastfailover", (sys.argv[1], 0))
for _ in range(50):
    if not select.select([s], [], [], 0.02)[0]:
        continue
    data, peer = s.recvfrom(2048)
    if data[0] == 129 and data[4:6] == bytes([0x12, 0x34]):
        sys.exit(0)
sys.exit(1)
PY
}

echo "== 1. the primary holds both families"
fo_start_pair one
fo_check "primary holds two addresses" test "$(fo_status primary '.addresses_held | length')" -eq 2
fo_check "the IPv6 one among them, with its prefix" \
  test "$(fo_status primary '.addresses_held | map(select(startswith("2001:db8::100/64"))) | length')" -eq 1
fo_check "primary's kernel has 2001:db8::100" bash -c "ip -n '$primary' -6 addr show dev lan0 | grep -q '$SERVICE6/64'"
fo_check "the client gets an ICMPv6 echo reply from the service address" echo6
fo_check "client's neighbor entry holds the primary's MAC" test "$(client_entry)" == "$primary_mac"
# Another node's DAD probe for 2001:db8::100 goes to its solicited-node group
# (ff02::1:ff00:100, 33:33:ff:00:01:00), which a NIC drops unless joined; the
# secondary's kernel does not join it (the address is not its own), its
# capture does. veth delivers every frame, so membership is what is checked.
fo_check "the secondary's lan0 accepts the service address's solicited-node group (its capture joined it)" \
  bash -c "ip -n '$secondary' maddr show dev lan0 | grep -q 'link  33:33:ff:00:01:00'"
secondary_addresses=$(ip -n "$secondary" -6 addr show dev lan0)
fo_check "the secondary's kernel holds no 2001:db8::100 (so the membership is the capture's)" \
  test "${secondary_addresses/$SERVICE6\//}" == "$secondary_addresses"
fo_check "(and that list is the secondary's: it has its own 2001:db8::2)" \
  test "${secondary_addresses/2001:db8::2\//}" != "$secondary_addresses"

echo "== 2. pull both of the primary's cables: the NA moves the client's entry"
# The UDP echo service (RFC 862) on both servers, answering from the service address.
fo_spawn "$primary" "$W/echo-primary" "$FO_PROBE" echo --port 7
fo_spawn "$secondary" "$W/echo-secondary" "$FO_PROBE" echo --port 7
fo_wait_for "IPv4 and IPv6" "$W/echo-primary.log" 10
fo_wait_for "IPv4 and IPv6" "$W/echo-secondary.log" 10
fo_spawn "$client" "$W/watch2" "$FO_PROBE" watch -i lan0 --arp --json
watch=$FO_LAST_PID
fo_wait_for "watching" "$W/watch2.log" 10
fo_spawn "$client" "$W/outage2" "$FO_PROBE" outage -i lan0 -t "$SERVICE6" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_spawn "$client" "$W/udp2" "$FO_PROBE" outage -i lan0 -t "$SERVICE6" --udp 7 --until-recovered --duration 20 \
  --json --plot "$W/udp2.svg"
udp_probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage2.log" 10
fo_wait_for "probing" "$W/udp2.log" 10
sleep 0.3 # a baseline of replies from the primary before the cut (not synchronisation)
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_status secondary '.holding' 5
fo_wait_exit "$probe" 20 || true
echo "   client saw (ICMPv6): $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms, arp_replies}' "$W/outage2.out")"
fo_check "fo-probe (ICMPv6 echo): the secondary answers within 500 ms" jq -e '.outage_ms < 500' "$W/outage2.out"
fo_check "fo-probe: the answering MAC moved to the secondary" \
  jq -e ".owner_changes[-1].to == \"$secondary_mac\"" "$W/outage2.out"
fo_check "fo-probe followed neighbor discovery (advertisements for the target counted)" \
  jq -e '.arp_replies > 0' "$W/outage2.out"
fo_check "--until-recovered ends the UDP-over-IPv6 probe by itself" fo_wait_exit "$udp_probe" 20
echo "   client saw (UDP over IPv6): $(jq -c '{outage_ms, probes_answered, replies_per_mac, owner_changes: [.owner_changes[].to]}' "$W/udp2.out")"
fo_check "fo-probe --udp over IPv6: both servers' echo services answered, the secondary within 500 ms" \
  jq -e ".outage_ms < 500 and .replies_per_mac[\"$primary_mac\"] > 50 and .replies_per_mac[\"$secondary_mac\"] > 50
     and .owner_changes[-1].to == \"$secondary_mac\"" "$W/udp2.out"
fo_check "the --plot picture of the IPv6 run is well-formed XML" \
  /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$W/udp2.svg"
# The caption as outage_plot.sh reads it, from the parsed document.
caption() {
  /usr/bin/python3 - "$W/udp2.svg" "$W/udp2.out" <<'PY'
import json, sys, xml.etree.ElementTree as E
texts = {t.get("id"): "".join(t.itertext()) for t in E.parse(sys.argv[1]).iter("{http://www.w3.org/2000/svg}text")}
report = json.load(open(sys.argv[2]))
outage = texts["caption-outage"]
assert outage.startswith("outage: ") and outage.endswith(" ms"), outage
assert abs(float(outage.split()[1]) - report["outage_ms"]) < 0.0005, (outage, report["outage_ms"])
owners = "owners: " + " -> ".join(c["to"] for c in report["owner_changes"])
assert texts["caption-owners"] == owners, (texts["caption-owners"], owners)
print("  ", outage, "|", owners)
PY
}
fo_check "its caption's outage and owners equal the JSON report's" caption
# No traffic from the client since its entry pointed at the primary: an
# entry that now holds the secondary's MAC was moved by the advertisement.
deadline=$((SECONDS + 2))
while [[ "$(client_entry)" != "$secondary_mac" ]] && ((SECONDS < deadline)); do sleep 0.02; done
echo "   client's entry: $(ip -n "$client" -6 neigh show "$SERVICE6" dev lan0)"
fo_check "client's neighbor entry moved to the secondary's MAC by the unsolicited NA" \
  test "$(client_entry)" == "$secondary_mac"
fo_check "secondary holds both addresses" test "$(fo_status secondary '.addresses_held | length')" -eq 2
fo_check "and answers ICMPv6 echo for the IPv6 one" echo6
fo_check "announcements counted (NAs and GARPs: 2 addresses x 4)" \
  test "$(fo_status secondary '.counters.garps_sent')" -ge 8
sleep 0.3 # the last of the 4 rounds, 50 ms apart
fo_stop "$watch" INT 5
client_mac=$(mac_of "$client")
fo_check "the client sent no solicitation for the service address meanwhile (its entry moved by the NA alone)" \
  jq -e '[.neighbor_solicits[] | select(.source_mac == "'$client_mac'" and .target == "'$SERVICE6'")] == []' \
  "$W/watch2.out"
# Unsolicited ones: the solicited ones answer fo-probe's solicitations.
na='[.neighbor_adverts[] | select(.source_mac == "'$secondary_mac'" and .target == "'$SERVICE6'" and (.solicited | not))]'
echo "   on the wire: $(jq -c "$na | length" "$W/watch2.out") unsolicited NAs from the secondary, first $(jq -c "$na[0] | del(.time_ns)" "$W/watch2.out")"
fo_check "fo-probe watch saw 4 unsolicited NAs (RFC 4861 7.2.6: override, to ff02::1, our MAC as target's)" \
  jq -e "($na | length) == 4 and ($na | all(.override and .destination_ip == \"ff02::1\" and
     .target_mac == \"$secondary_mac\" and .source_ip == \"$SERVICE6\"))" "$W/watch2.out"

echo "== 3. plug the primary back: clean failback"
fo_spawn "$client" "$W/outage3" "$FO_PROBE" outage -i lan0 -t "$SERVICE6" --duration 4 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage3.log" 10
sleep 0.3 # a baseline of replies from the secondary (not synchronisation)
echo 0 >"$W/both.txt"
( for _ in $(seq 1 400); do
    p=$(fo_status primary '.addresses_held | length' 2>/dev/null || echo 0)
    s=$(fo_status secondary '.addresses_held | length' 2>/dev/null || echo 0)
    if [[ "$p" -gt 0 && "$s" -gt 0 ]]; then echo 1 >"$W/both.txt"; fi
    sleep 0.01
  done ) &
watcher=$!
FO_PIDS+=("$watcher")
ip -n "$lan" link set p-lan up
ip -n "$primary" link set priv0 up
fo_wait_status primary '.holding' 10
fo_wait_status secondary '.holding | not' 10
deadline=$((SECONDS + 2))
while [[ "$(client_entry)" != "$primary_mac" ]] && ((SECONDS < deadline)); do sleep 0.02; done
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
fo_wait_exit "$probe" 10 || true
echo "   client saw (ICMPv6): $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to], dual_owner_ms}' "$W/outage3.out")"
fo_check "fo-probe: the answering MAC moved back to the primary" \
  jq -e ".owner_changes[-1].to == \"$primary_mac\"" "$W/outage3.out"
fo_check "fo-probe: never two MACs answering or advertising for the address" jq -e '.dual_owner_windows == []' "$W/outage3.out"
fo_check "fo-probe: failback outage short (< 500 ms)" jq -e '.outage_ms < 500' "$W/outage3.out"
fo_check "primary holds both again" test "$(fo_status primary '.addresses_held | length')" -eq 2
fo_check "secondary holds none" test "$(fo_status secondary '.addresses_held | length')" -eq 0
fo_check "never both holding during the failback (status every 10 ms)" test "$(cat "$W/both.txt")" -eq 0
fo_check "client's neighbor entry back on the primary's MAC" test "$(client_entry)" == "$primary_mac"
fo_check "the client reaches the service address" echo6
fo_stop "$PRIMARY_PID" TERM 5
fo_stop "$SECONDARY_PID" TERM 5

echo "== 4. a third host holding the IPv6 address vetoes the claim"
ip -n "$primary" -6 addr del "$SERVICE6/64" dev lan0 2>/dev/null || true
ip -n "$client" addr add "$SERVICE6/64" dev lan0 nodad # the client plays the other host
fo_spawn "$primary" "$W/watch4" "$FO_PROBE" watch -i lan0 --arp --json
watch=$FO_LAST_PID
fo_wait_for "watching" "$W/watch4.log" 10
fo_spawn "$secondary" "$W/secondary-four" "$FAILOVERD" --config "$W/secondary.toml"
fo_wait_status secondary '.peer.state == "dead"' 10
fo_check "no takeover (2 s): the IPv6 address is in use" fo_never_status secondary '.counters.takeovers > 0' 2
fo_check "the secondary holds nothing" test "$(fo_status secondary '.addresses_held | length')" -eq 0
fo_stop "$watch" INT 5
dad='[.neighbor_solicits[] | select(.dad and .source_mac == "'$secondary_mac'" and .target == "'$SERVICE6'")]'
echo "   on the wire: $(jq -c "$dad | length" "$W/watch4.out") DAD probes from the secondary, first $(jq -c "$dad[0] | del(.time_ns)" "$W/watch4.out")"
fo_check "fo-probe watch saw the secondary's DAD probes (from ::, to ff02::1:ff00:100)" \
  jq -e "($dad | length) > 0 and ($dad | all(.source_ip == \"::\" and .destination_ip == \"ff02::1:ff00:100\"))" \
  "$W/watch4.out"
# Nothing announces the client's address unasked (ndisc_notify is 0): the
# answer that vetoed the claim came to the secondary's DAD probe.
fo_check "the log names the IPv6 address as in use" grep -q "$SERVICE6 answered" "$W/secondary-four.log"
fo_finish
