# Shared by the netns tests; source it first.
#
# Safety rules (DEVELOPERS.md): traffic only inside namespaces this run made;
# nothing runs in the host namespace; addresses only from 198.51.100.0/24 and
# 203.0.113.0/24; names unique per run; everything torn down on exit, even on
# failure; every wait bounded.
set -euo pipefail

FO_RUN_ID="fo$$r${RANDOM}"
FO_NAMESPACES=()
FO_PIDS=()
FO_WORKDIR=$(mktemp -d "/tmp/${FO_RUN_ID}.XXXX")
FO_FAILURES=0

fo_skip_or_fail() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL: $* (a skipped network test fails under CI=true)"
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}

fo_require_netns() {
  [[ $(id -u) -eq 0 ]] || fo_skip_or_fail "needs root for ip netns"
  command -v ip >/dev/null || fo_skip_or_fail "iproute2 (ip) is not installed"
  command -v jq >/dev/null || fo_skip_or_fail "jq is not installed"
  local probe="${FO_RUN_ID}-probe"
  ip netns add "$probe" 2>/dev/null || fo_skip_or_fail "cannot create network namespaces here"
  ip netns del "$probe"
}

fo_cleanup() {
  local status=$?
  set +e
  for pid in "${FO_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "${FO_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${FO_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for ns in "${FO_NAMESPACES[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  if ((status != 0)) && [[ -d "$FO_WORKDIR" ]]; then
    echo "--- logs of the failed run ($FO_WORKDIR) ---"
    for f in "$FO_WORKDIR"/*.log; do [[ -f "$f" ]] && { echo "== $f"; tail -n 40 "$f"; }; done
  fi
  rm -rf "$FO_WORKDIR"
  exit "$status"
}
trap fo_cleanup EXIT
trap 'exit 130' INT TERM

# fo_host VAR NAME: makes a namespace with loopback up and stores its full,
# unique name in VAR (not via $(...): the teardown list must be ours).
fo_host() {
  local -n _fo_ns_var=$1
  local ns="${FO_RUN_ID}-$2"
  FO_NAMESPACES+=("$ns")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  _fo_ns_var=$ns
}

# fo_cable NS_A IF_A CIDR_A NS_B IF_B CIDR_B: a veth pair made directly inside
# the two namespaces (never in the host's), addressed and up. CIDR "-" = none.
fo_cable() {
  local ns_a=$1 if_a=$2 cidr_a=$3 ns_b=$4 if_b=$5 cidr_b=$6
  ip -n "$ns_a" link add "$if_a" type veth peer name "$if_b" netns "$ns_b"
  [[ "$cidr_a" == "-" ]] || ip -n "$ns_a" addr add "$cidr_a" dev "$if_a"
  [[ "$cidr_b" == "-" ]] || ip -n "$ns_b" addr add "$cidr_b" dev "$if_b"
  ip -n "$ns_a" link set "$if_a" up
  ip -n "$ns_b" link set "$if_b" up
}

# fo_spawn NS LOG CMD...: runs CMD in NS in the background; sets FO_LAST_PID.
fo_spawn() {
  local ns=$1 log=$2
  shift 2
  ip netns exec "$ns" "$@" >"$log.out" 2>"$log.log" &
  FO_LAST_PID=$!
  FO_PIDS+=("$FO_LAST_PID")
}

# fo_wait_for PATTERN FILE SECONDS: waits (bounded) until FILE contains PATTERN.
fo_wait_for() {
  local pattern=$1 file=$2 seconds=$3
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out after ${seconds}s waiting for '$pattern' in $file"
  return 1
}

# fo_stop PID SIGNAL SECONDS: signals PID and waits for it (bounded).
fo_stop() {
  local pid=$1 signal=$2 seconds=$3
  kill "-$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "process $pid did not exit within ${seconds}s of SIG$signal"
    kill -KILL "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" 2>/dev/null || true
}

# fo_wait_gone PID SECONDS: waits (bounded) for PID to exit by itself; on
# timeout it is stopped with SIGINT and the wait fails.
fo_wait_gone() {
  local pid=$1 seconds=$2
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "process $pid still running after ${seconds}s"
    fo_stop "$pid" INT 5
    return 1
  fi
}

# fo_wait_exit PID SECONDS: fo_wait_gone, then reaps PID whatever its status.
fo_wait_exit() {
  fo_wait_gone "$1" "$2" || return 1
  wait "$1" 2>/dev/null || true
}

# fo_wait_exit_status PID SECONDS: fo_wait_gone, then returns the process's
# own exit status (1 when it had to be stopped).
fo_wait_exit_status() {
  local status=0
  fo_wait_gone "$1" "$2" || return 1
  wait "$1" 2>/dev/null || status=$?
  return "$status"
}

# fo_check DESCRIPTION EXPRESSION: evaluates an arithmetic/test expression.
fo_check() {
  local description=$1
  shift
  if "$@" >/dev/null; then
    echo "PASS: $description"
  else
    echo "FAIL: $description"
    FO_FAILURES=$((FO_FAILURES + 1))
  fi
}

fo_finish() {
  if ((FO_FAILURES > 0)); then
    echo "$FO_FAILURES check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}

# fo_key_file VAR NAME: a key file of 32 random bytes (hex), mode 600.
fo_key_file() {
  local -n _fo_key_var=$1
  _fo_key_var="$FO_WORKDIR/$2"
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$_fo_key_var"
  chmod 600 "$_fo_key_var"
}

# fo_lan VAR NAME: a namespace holding a bridge br0 that plays the LAN switch.
fo_lan() {
  fo_host "$1" "$2"
  local -n _fo_lan_var=$1
  ip -n "$_fo_lan_var" link add br0 type bridge
  ip -n "$_fo_lan_var" link set br0 up
}

# fo_plug LAN NS IF CIDR PORT: a cable from NS's IF to a new port PORT of the
# LAN's bridge. CIDR "-" = no address.
fo_plug() {
  local lan=$1 ns=$2 if_name=$3 cidr=$4 port=$5
  fo_cable "$ns" "$if_name" "$cidr" "$lan" "$port" -
  ip -n "$lan" link set "$port" master br0
}

# fo_failover_pair INTERVAL_MS MISS DEAD_MS [EXTRA_TOML]: the standard
# topology: a LAN bridge with primary, secondary and client, a private link
# between primary and secondary, and config files for both daemons.
#   LAN 198.51.100.0/24: primary .1, secondary .2, client .50, service .100
#   private 203.0.113.0/24: primary .1, secondary .2
fo_failover_pair() {
  local interval=$1 miss=$2 dead=$3 extra=${4:-}
  fo_lan lan lan
  fo_host primary primary
  fo_host secondary secondary
  fo_host client client
  fo_plug "$lan" "$primary" lan0 198.51.100.1/24 p-lan
  fo_plug "$lan" "$secondary" lan0 198.51.100.2/24 s-lan
  fo_plug "$lan" "$client" lan0 198.51.100.50/24 c-lan
  fo_cable "$primary" priv0 203.0.113.1/24 "$secondary" priv0 203.0.113.2/24
  SERVICE=198.51.100.100
  fo_key_file PAIR_KEY pair.key
  local role peer_lan peer_priv node
  for role in primary secondary; do
    if [[ $role == primary ]]; then peer_lan=198.51.100.2 peer_priv=203.0.113.2 node=1
    else peer_lan=198.51.100.1 peer_priv=203.0.113.1 node=2; fi
    mkdir -p "$FO_WORKDIR/hooks-$role"
    cat >"$FO_WORKDIR/$role.toml" <<TOML
role = "$role"
node_id = $node
interval_ms = $interval
miss_count = $miss
initial_dead_time_ms = $dead
auth_key_file = "$PAIR_KEY"
hooks_dir = "$FO_WORKDIR/hooks-$role"
hook_timeout_ms = 1000
status_socket = "$FO_WORKDIR/$role.sock"
failback_hold_down_ms = 500
# SCHED_FIFO: at 10 ms x 3 a CPU hog (CI neighbours) must not stall a daemon
# for three beats; the daemons are event-driven and sleep between beats.
realtime = true
$extra

[[link]]
interface = "lan0"
peer = "$peer_lan"

[[link]]
interface = "priv0"
peer = "$peer_priv"

[[address]]
interface = "lan0"
address = "$SERVICE/24"

[garp]
repeat = 3
interval_ms = 50
TOML
  done
}

# fo_status ROLE JQ_FILTER: asks the daemon over its socket (foctl).
fo_status() {
  "$FOCTL" --socket "$FO_WORKDIR/$1.sock" status --json | jq -r "$2"
}

# fo_wait_status ROLE JQ_BOOL SECONDS: waits (bounded) until the filter holds.
fo_wait_status() {
  local role=$1 filter=$2 seconds=$3
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    [[ "$(fo_status "$role" "$filter" 2>/dev/null)" == "true" ]] && return 0
    sleep 0.05
  done
  echo "timed out after ${seconds}s waiting for $role: $filter"
  return 1
}

# fo_start_pair TAG: heartbeatd and failoverd on the pair's configs (logs
# primary-TAG, secondary-TAG); waits until the primary holds the address and
# the secondary hears it. Sets PRIMARY_PID and SECONDARY_PID.
fo_start_pair() {
  fo_spawn "$primary" "$FO_WORKDIR/primary-$1" "$HEARTBEATD" --config "$FO_WORKDIR/primary.toml"
  PRIMARY_PID=$FO_LAST_PID
  fo_spawn "$secondary" "$FO_WORKDIR/secondary-$1" "$FAILOVERD" --config "$FO_WORKDIR/secondary.toml"
  SECONDARY_PID=$FO_LAST_PID
  fo_wait_status primary '.holding' 15
  fo_wait_status secondary '.peer.state == "alive"' 10
}

# fo_require_nft: nft is installed and the kernel has netdev egress hooks
# (Linux >= 5.16), which fo_partition needs.
fo_require_nft() {
  command -v nft >/dev/null || fo_skip_or_fail "nftables (nft) is not installed"
  local release major minor
  release=$(uname -r)
  major=${release%%.*}
  minor=${release#*.}
  minor=${minor%%[!0-9]*}
  ((major > 5 || (major == 5 && minor >= 16))) ||
    fo_skip_or_fail "kernel $release has no netdev egress hook (needs >= 5.16)"
}

# fo_partition ROLE: cuts ROLE (primary|secondary) of the standard pair off
# both of its links, both ways, with no carrier change: netdev tables with
# policy-drop ingress and egress chains on its lan0 and priv0, run with `ip
# netns exec` inside the test's namespaces only. The far end of each cable
# (the LAN bridge port, the peer's priv0) drops on egress towards ROLE as well:
# a packet socket (libpcap, hence the daemons) sees a received frame before
# the netdev ingress hook can drop it, so an ingress chain alone would leave
# ROLE hearing its peer. The far ends are cut first and ROLE itself last: the
# peer stops hearing ROLE (and times out) only once nothing it sends can reach
# ROLE (the three nft calls take tens of ms under load; a frame of the peer's
# takeover slipping through made ROLE yield to it). fo_heal ROLE deletes the
# tables.
fo_partition() {
  local role=$1 ns far_lan far_ns
  if [[ $role == primary ]]; then ns=$primary far_lan=p-lan far_ns=$secondary
  else ns=$secondary far_lan=s-lan far_ns=$primary; fi
  ip netns exec "$lan" nft -f - <<NFT
table netdev fo_partition {
  chain to_node { type filter hook egress device "$far_lan" priority 0; policy drop; }
}
NFT
  ip netns exec "$far_ns" nft -f - <<NFT
table netdev fo_partition {
  chain to_node { type filter hook egress device "priv0" priority 0; policy drop; }
}
NFT
  ip netns exec "$ns" nft -f - <<NFT
table netdev fo_partition {
  chain lan_in { type filter hook ingress device "lan0" priority 0; policy drop; }
  chain lan_out { type filter hook egress device "lan0" priority 0; policy drop; }
  chain priv_in { type filter hook ingress device "priv0" priority 0; policy drop; }
  chain priv_out { type filter hook egress device "priv0" priority 0; policy drop; }
}
NFT
}

# fo_heal ROLE: undoes fo_partition ROLE.
fo_heal() {
  local role=$1 ns far_ns
  if [[ $role == primary ]]; then ns=$primary far_ns=$secondary
  else ns=$secondary far_ns=$primary; fi
  ip netns exec "$ns" nft delete table netdev fo_partition
  ip netns exec "$lan" nft delete table netdev fo_partition
  ip netns exec "$far_ns" nft delete table netdev fo_partition
}

# fo_now_ns: CLOCK_REALTIME in ns, the clock of fo-probe's timestamps.
fo_now_ns() { date +%s%N; }

# fo_wait_status_ms ROLE JQ_BOOL MS: fo_wait_status with a deadline in ms
# (bounded in time and in polls).
fo_wait_status_ms() {
  local role=$1 filter=$2 ms=$3
  local deadline=$(($(fo_now_ns) + ms * 1000000)) polls=$((ms / 10 + 2))
  while ((polls-- > 0)); do
    [[ "$(fo_status "$role" "$filter" 2>/dev/null)" == "true" ]] && return 0
    (($(fo_now_ns) < deadline)) || break
    sleep 0.01
  done
  echo "timed out after ${ms} ms waiting for $role: $filter"
  return 1
}

# fo_wait_one_holder MS: waits (bounded) until exactly one daemon of the pair
# says it holds the addresses; prints who ("primary"/"secondary").
fo_wait_one_holder() {
  local ms=$1 p s
  local deadline=$(($(fo_now_ns) + ms * 1000000)) polls=$((ms / 10 + 2))
  while ((polls-- > 0)); do
    p=$(fo_status primary '.holding' 2>/dev/null || echo error)
    s=$(fo_status secondary '.holding' 2>/dev/null || echo error)
    if [[ $p == true && $s == false ]]; then echo primary; return 0; fi
    if [[ $p == false && $s == true ]]; then echo secondary; return 0; fi
    (($(fo_now_ns) < deadline)) || break
    sleep 0.01
  done
  echo "none (primary holding=$p, secondary holding=$s after ${ms} ms)"
  return 1
}

# fo_partition_figures OUTAGE_JSON PARTITION_NS HEAL_NS PRIMARY_MAC SECONDARY_MAC
# HOLD_DOWN_MS: the figures of a partition-and-heal run from `fo-probe outage
# --json` (realtime ns, the clock of fo_now_ns), as one JSON object:
#   takeover_outage_ms: the longest gap that began during the partition;
#   heal_dual_owner_ms: two MACs answering ARP, from the heal until the
#     earliest failback (heal + 80% of the hold-down), in ms;
#   failback_dual_owner_windows: dual-owner windows after that;
#   failback_at_ms: after the heal, when the client's echoes first came from
#     the primary again (null: never);
#   owner_changes: the answering MACs in order, as "primary"/"secondary".
fo_partition_figures() {
  jq -c --argjson part "$2" --argjson heal "$3" --arg pmac "$4" --arg smac "$5" --argjson hold "$6" '
    ($heal + $hold * 800000) as $fb
    | {takeover_outage_ms: ([.gaps[] | select(.start_ns >= $part - 2000000 and .start_ns < $heal) | .ms] | max),
       heal_dual_owner_ms: ([.dual_owner_windows[] | select(.start_ns < $fb) | (.end_ns - .start_ns) / 1e6] | add // 0),
       failback_dual_owner_windows: ([.dual_owner_windows[] | select(.start_ns >= $fb)] | length),
       failback_at_ms: ([.owner_changes[] | select(.at_ns > $heal and .to == $pmac)] | first | if . == null then null else (.at_ns - $heal) / 1e6 end),
       failback_outage_ms: ([.gaps[] | select(.start_ns >= $heal) | .ms] | max),
       owner_changes: [.owner_changes[] | if .to == $pmac then "primary" elif .to == $smac then "secondary" else .to end],
       dual_owner_ms_total: .dual_owner_ms}' "$1"
}

# fo_never_status ROLE JQ_BOOL SECONDS: succeeds if the filter stays false for
# SECONDS (whole seconds) of polling; fails as soon as it holds. For "nothing
# happens" checks: bounded, and ends early when the thing does happen.
fo_never_status() {
  local role=$1 filter=$2 seconds=$3
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if [[ "$(fo_status "$role" "$filter" 2>/dev/null)" == "true" ]]; then
      echo "$role: $filter became true"
      return 1
    fi
    sleep 0.05
  done
}

# fo_log_ms LINE: the daemon's own log timestamp (HH:MM:SS.mmm) of LINE, in
# milliseconds since midnight.
fo_log_ms() {
  awk '{ split($1, t, /[:.]/); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4]; exit }' <<<"$1"
}

# fo_keepalived_conf NAME STATE PRIORITY VRID ADVERT_INT VERSION VIP_CIDR [IF]:
# a keepalived configuration (VRRP only) on stdout, as bench/failover_trial.sh
# writes it. VIP_CIDR's family chooses IPv4 or IPv6 adverts (VRRPv3 only).
fo_keepalived_conf() {
  local name=$1 state=$2 priority=$3 vrid=$4 advert=$5 version=$6 vip=$7 if_name=${8:-lan0}
  cat <<CONF
global_defs {
  router_id $name
  vrrp_version $version
  script_user root
  enable_script_security
}
vrrp_instance failover_$vrid {
  state $state
  interface $if_name
  virtual_router_id $vrid
  priority $priority
  advert_int $advert
  virtual_ipaddress {
    $vip dev $if_name
  }
}
CONF
}

# fo_keepalived NS TAG CONF_TEXT: runs keepalived (VRRP process only, in the
# foreground, its own pid files under FO_WORKDIR) in NS; sets FO_LAST_PID.
fo_keepalived() {
  local ns=$1 tag=$2
  printf '%s\n' "$3" >"$FO_WORKDIR/$tag.conf"
  fo_spawn "$ns" "$FO_WORKDIR/$tag" keepalived --dont-fork --log-console --vrrp -f "$FO_WORKDIR/$tag.conf" \
    -p "$FO_WORKDIR/$tag.pid" -r "$FO_WORKDIR/$tag-vrrp.pid"
}

# fo_ucarp NS TAG SRC_IP VHID ADVSKEW VIP PREFIX [IF]: ucarp (advbase 1 s, its
# minimum; preempt) in NS, with up/down scripts that add/remove VIP/PREFIX;
# sets FO_LAST_PID.
fo_ucarp() {
  local ns=$1 tag=$2 src=$3 vhid=$4 skew=$5 vip=$6 prefix=$7 if_name=${8:-lan0}
  printf '#!/bin/sh\nexec ip addr add "$2/%s" dev "$1"\n' "$prefix" >"$FO_WORKDIR/$tag-up.sh"
  printf '#!/bin/sh\nexec ip addr del "$2/%s" dev "$1"\n' "$prefix" >"$FO_WORKDIR/$tag-down.sh"
  chmod 755 "$FO_WORKDIR/$tag-up.sh" "$FO_WORKDIR/$tag-down.sh"
  fo_spawn "$ns" "$FO_WORKDIR/$tag" ucarp -i "$if_name" -s "$src" -v "$vhid" -p fo-test-pass -a "$vip" -b 1 \
    -k "$skew" -P -n -u "$FO_WORKDIR/$tag-up.sh" -d "$FO_WORKDIR/$tag-down.sh"
}

# fo_no_dad NS: IPv6 addresses usable at once in NS (no duplicate address
# detection on interfaces made from now on), for VRRPv3 over IPv6.
fo_no_dad() {
  ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
}
