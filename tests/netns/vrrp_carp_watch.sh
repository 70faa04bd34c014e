#!/usr/bin/env bash
# fo-probe watch on other failover systems: a keepalived pair (VRRPv3,
# advert_int 0.01) and a ucarp pair (advbase 1 s, ucarp's minimum) on one LAN
# bridge, a client running `fo-probe watch --arp --json` and one `fo-probe
# outage` per service address. Both masters' bridge ports go down at once.
# Checks: the advert interval within 10 % of the configured one, the master
# change, and the takeover latency on the wire (the old master's last advert
# to the new master's first gratuitous ARP) against the client's outage,
# measured from the same instant (the old master's last advert): within 2 ms
# for keepalived, within UCARP_BOUND_MS for ucarp (see below).
# usage: vrrp_carp_watch.sh HEARTBEATD FO_PROBE ...
set -euo pipefail
FO_PROBE=$2
source "$(dirname "$0")/lib.sh"
fo_require_netns
command -v keepalived >/dev/null || fo_skip_or_fail "keepalived is not installed (scripts/install-deps.sh)"
command -v ucarp >/dev/null || fo_skip_or_fail "ucarp is not installed (scripts/install-deps.sh)"

# ucarp sends its gratuitous ARP from its main loop and adds the address in
# its up-script (fork, sh, exec ip), which runs after it: the client's first
# answered probe waits for the script. On 2 shared cores that is a few ms to
# a few tens of ms under load (measured idle: 0.8 ms); 1 s adverts make the
# detection 4 s, so 50 ms is still a 1 % agreement.
UCARP_BOUND_MS=50
KA_VIP=198.51.100.100 UC_VIP=198.51.100.101

fo_lan lan lan
fo_host ka1 ka1
fo_host ka2 ka2
fo_host uc1 uc1
fo_host uc2 uc2
fo_host client client
fo_plug "$lan" "$ka1" lan0 198.51.100.1/24 ka1-lan
fo_plug "$lan" "$ka2" lan0 198.51.100.2/24 ka2-lan
fo_plug "$lan" "$uc1" lan0 198.51.100.3/24 uc1-lan
fo_plug "$lan" "$uc2" lan0 198.51.100.4/24 uc2-lan
fo_plug "$lan" "$client" lan0 198.51.100.50/24 c-lan

holds() { # NS VIP SECONDS: waits (bounded) until NS holds VIP
  local deadline=$((SECONDS + $3))
  until ip -n "$1" -br addr show lan0 | grep -q " $2/"; do
    ((SECONDS < deadline)) || { echo "$1 does not hold $2 after $3 s"; return 1; }
    sleep 0.05
  done
}

fo_keepalived "$ka1" ka1 "$(fo_keepalived_conf ka1 MASTER 150 51 0.01 3 $KA_VIP/24)"
fo_ucarp "$uc1" uc1 198.51.100.3 61 0 $UC_VIP 24
holds "$ka1" $KA_VIP 15
fo_keepalived "$ka2" ka2 "$(fo_keepalived_conf ka2 BACKUP 100 51 0.01 3 $KA_VIP/24)"
holds "$uc1" $UC_VIP 15
fo_ucarp "$uc2" uc2 198.51.100.4 61 100 $UC_VIP 24
sleep 1.5

W=$FO_WORKDIR
fo_spawn "$client" "$W/watch" "$FO_PROBE" watch -i lan0 --arp --json --duration 10
watch=$FO_LAST_PID
fo_wait_for "watching" "$W/watch.log" 10
fo_spawn "$client" "$W/outage-ka" "$FO_PROBE" outage -i lan0 -t $KA_VIP --until-recovered --duration 8 --json
outage_ka=$FO_LAST_PID
fo_spawn "$client" "$W/outage-uc" "$FO_PROBE" outage -i lan0 -t $UC_VIP --until-recovered --duration 9 --json
outage_uc=$FO_LAST_PID
fo_wait_for "probing" "$W/outage-ka.log" 10
fo_wait_for "probing" "$W/outage-uc.log" 10
sleep 2.5  # two of ucarp's 1 s intervals before the pull
ip -n "$lan" link set ka1-lan down
ip -n "$lan" link set uc1-lan down
fo_wait_exit "$outage_ka" 15
fo_wait_exit "$outage_uc" 15
fo_wait_exit "$watch" 20

figures() { # PROTOCOL OLD_MASTER NEW_MASTER OUTAGE_JSON: one JSON object
  jq -c --arg protocol "$1" --arg old "$2" --arg new "$3" --slurpfile outage "$4" '
    [.adverts[] | select(.protocol == $protocol)][0] as $r
    | ($r.master_change_list | map(select(.from == $old and .to == $new)) | last) as $c
    | ($outage[0].outage) as $o
    | {advertised_us: $r.advertised_interval_us, p50_us: $r.interval_us.p50, jitter_us: $r.interval_us.jitter,
       old_master_mean_us: ([$r.senders[] | select(.ip == $old) | .mean_interval_us][0]),
       old_master_advertised_us: ([$r.senders[] | select(.ip == $old) | .advertised_interval_us][0]),
       adverts: $r.adverts_received, lost: $r.lost, master_changes: $r.master_changes,
       master: $r.master, detection_ms: $c.detection_ms, takeover_ms: $c.takeover_ms,
       outage_ms: $o.ms,
       outage_takeover_ms: (if $o == null or $c == null then null else ($o.end_ns - $c.from_last_advert_ns) / 1e6 end),
       pull_after_last_advert_ms: (if $o == null or $c == null then null else ($o.start_ns - $c.from_last_advert_ns) / 1e6 end)}' "$W/watch.out"
}
ka=$(figures vrrp3 198.51.100.1 198.51.100.2 "$W/outage-ka.out")
uc=$(figures carp 198.51.100.3 198.51.100.4 "$W/outage-uc.out")
echo "keepalived: $ka"
echo "ucarp: $uc"
agree() { # FIGURES BOUND_MS: takeover on the wire and at the client agree
  jq -e --argjson bound "$2" '.takeover_ms != null and .outage_takeover_ms != null and
    ((.takeover_ms - .outage_takeover_ms) | fabs) <= $bound' <<<"$1"
}
fo_check "keepalived: advertised interval 10 ms" jq -e '.advertised_us == 10000' <<<"$ka"
fo_check "keepalived: interval p50 within 10 % of 10 ms" jq -e '(.p50_us - 10000 | fabs) <= 1000' <<<"$ka"
fo_check "keepalived: the old master's mean interval within 10 %" jq -e '(.old_master_mean_us - 10000 | fabs) <= 1000' <<<"$ka"
fo_check "keepalived: master change 198.51.100.1 -> .2, .2 is master" jq -e '.master_changes >= 1 and .master == "198.51.100.2" and .detection_ms != null' <<<"$ka"
fo_check "keepalived: takeover on the wire agrees with the client's outage within 2 ms" agree "$ka" 2
fo_check "keepalived: outage between takeover - one interval - 2 ms and takeover + 2 ms" \
  jq -e '.outage_ms <= .takeover_ms + 2 and .outage_ms >= .takeover_ms - 12' <<<"$ka"
fo_check "ucarp: advertised interval 1 s (advbase 1, advskew 0)" jq -e '.old_master_advertised_us == 1000000' <<<"$uc"
fo_check "ucarp: the old master's mean interval within 10 % of 1 s" jq -e '(.old_master_mean_us - 1000000 | fabs) <= 100000' <<<"$uc"
fo_check "ucarp: master change 198.51.100.3 -> .4, .4 is master" jq -e '.master_changes >= 1 and .master == "198.51.100.4" and .detection_ms != null' <<<"$uc"
fo_check "ucarp: takeover on the wire agrees with the client's outage within $UCARP_BOUND_MS ms" agree "$uc" $UCARP_BOUND_MS
fo_check "ucarp: outage between takeover - one interval - ${UCARP_BOUND_MS} ms and takeover + ${UCARP_BOUND_MS} ms" \
  jq -e --argjson b $UCARP_BOUND_MS '.outage_ms <= .takeover_ms + $b and .outage_ms >= .takeover_ms - 1000 - $b' <<<"$uc"
fo_finish
