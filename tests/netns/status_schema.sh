#!/usr/bin/env bash
# The status JSON as a whole against docs/status.schema.json (every field
# that exists today is required; more may be added): both roles at start, the
# secondary after a takeover with hooks, the primary with its links down, and
# the --summary-json a daemon prints on exit. The validator is checked too:
# a renamed, a missing and a retyped field must each be rejected.
# usage: status_schema.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
command -v python3 >/dev/null || fo_skip_or_fail "python3 is not installed"
W=$FO_WORKDIR
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCHEMA="$ROOT/docs/status.schema.json"
VALIDATE=(python3 "$ROOT/tests/support/validate_schema.py" "$SCHEMA")
fo_failover_pair 10 3 1500
mkdir -p "$W/hooks-secondary/PreAcq"
printf '#!/bin/sh\nexit 3\n' >"$W/hooks-secondary/PreAcq/10-fails"
chmod +x "$W/hooks-secondary/PreAcq/10-fails"
save() { "$FOCTL" --socket "$W/$1.sock" status --json >"$W/$2.json"; }

fo_start_pair one
save primary primary-start
save secondary secondary-start
fo_check "primary at start matches the schema" "${VALIDATE[@]}" "$W/primary-start.json"
fo_check "secondary at start matches the schema (last_change null)" "${VALIDATE[@]}" "$W/secondary-start.json"

ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_status secondary '.holding' 10
fo_wait_status primary '.addresses_held | length == 0' 5
save primary primary-down
save secondary secondary-active
fo_check "the secondary after a takeover with a failed hook has hooks and last_change" \
  jq -e '(.hooks | length) >= 1 and .last_change.to == "active"' "$W/secondary-active.json"
fo_check "secondary after a takeover matches the schema" "${VALIDATE[@]}" "$W/secondary-active.json"
fo_check "primary with its links down matches the schema" "${VALIDATE[@]}" "$W/primary-down.json"
kill -HUP "$SECONDARY_PID"
fo_wait_status secondary '.reloads.handled == 1' 5
fo_stop "$SECONDARY_PID" TERM 5
fo_stop "$PRIMARY_PID" TERM 5

fo_spawn "$secondary" "$W/summary" "$FAILOVERD" --config "$W/secondary.toml" --summary-json
summary=$FO_LAST_PID
fo_wait_status secondary '.role == "secondary"' 10
fo_stop "$summary" TERM 5
fo_check "--summary-json on exit matches the schema" "${VALIDATE[@]}" "$W/summary.out"

echo "== the validator rejects what a renamed field looks like"
bad() { jq "$1" "$W/secondary-active.json" >"$W/bad.json"; ! "${VALIDATE[@]}" "$W/bad.json"; }
fo_check "a renamed counter (takeovers -> acquisitions)" bad '.counters.acquisitions = .counters.takeovers | del(.counters.takeovers)'
fo_check "a renamed link field (beats_received -> beats)" bad '.links[0].beats = .links[0].beats_received | del(.links[0].beats_received)'
fo_check "a missing top-level field (reloads)" bad 'del(.reloads)'
fo_check "a retyped field (holding as a string)" bad '.holding = "yes"'
fo_check "an unknown state" bad '.state = "holding"'
fo_check "an added field is allowed" "${VALIDATE[@]}" <(jq '.new_field = 1' "$W/secondary-active.json")
fo_finish
