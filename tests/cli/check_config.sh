#!/usr/bin/env bash
# --check-config on good and broken files: each broken one names the file,
# the line and the key, and exits non-zero. No root needed.
# usage: check_config.sh FAILOVERD HEARTBEATD PACKAGING_DIR
set -euo pipefail
FAILOVERD=$1 HEARTBEATD=$2 PACKAGING=$3
# Interfaces must exist on the host: run in a network namespace of our own
# that has eth0 and eth1 (a veth pair), as root or in a user namespace.
if [[ -z "${FO_CHECK_CONFIG_NETNS:-}" ]]; then
  userns=()
  ((EUID == 0)) || userns=(--map-root-user)
  exec unshare "${userns[@]}" --net env FO_CHECK_CONFIG_NETNS=1 bash "$0" "$@"
fi
ip link add eth0 type veth peer name eth1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
printf 'fastfailover-test-key-0123456789' >"$dir/key"
chmod 600 "$dir/key"

good() {
  cat <<TOML
role = "secondary"
interval_ms = 10
miss_count = 3
auth_key_file = "$dir/key"

[[link]]
interface = "eth0"
peer = "198.51.100.1"

[[link]]
interface = "eth1"
peer = "broadcast"

[[address]]
interface = "eth0"
address = "198.51.100.100/24"
TOML
}

expect_ok() {
  local name=$1
  if out=$("$FAILOVERD" --config "$dir/$name.toml" --check-config 2>&1); then
    echo "PASS: $name accepted: $out"
  else
    echo "FAIL: $name rejected: $out"
    failures=$((failures + 1))
  fi
}

# expect_error NAME PATTERN: rejected, non-zero, and the message matches PATTERN.
expect_error() {
  local name=$1 pattern=$2 out status=0
  out=$("$FAILOVERD" --config "$dir/$name.toml" --check-config 2>&1) || status=$?
  if ((status != 0)) && grep -qE -- "$pattern" <<<"$out"; then
    echo "PASS: $name: $out"
  else
    echo "FAIL: $name (exit $status, wanted /$pattern/): $out"
    failures=$((failures + 1))
  fi
}

good >"$dir/good.toml"
expect_ok good

good | sed 's/interval_ms = 10/interval_ms = 0.5/' >"$dir/interval.toml"
expect_error interval "interval.toml:2: key 'interval_ms': must be between 1 and 10000 ms"

good | sed 's/miss_count = 3/miss_count = "three"/' >"$dir/miss.toml"
expect_error miss "miss.toml:3: key 'miss_count': has the wrong type"

good | sed 's/role = "secondary"/role = "tertiary"/' >"$dir/role.toml"
expect_error role "role.toml:1: key 'role': must be \"primary\" or \"secondary\""

good | sed 's|peer = "198.51.100.1"|peer = "198.51.100.300"|' >"$dir/peer.toml"
expect_error peer "peer.toml:8: key 'link\[0\].peer': '198.51.100.300' is not an IPv4 address"

good | sed 's|address = "198.51.100.100/24"|address = "198.51.100.100/33"|' >"$dir/cidr.toml"
expect_error cidr "cidr.toml:16: key 'address\[0\].address'"

good | sed 's/^auth_key_file.*$//' >"$dir/nokey.toml"
expect_error nokey "key 'auth_key_file': is required"

good | sed "s|$dir/key|$dir/missing.key|" >"$dir/badkey.toml"
expect_error badkey "key 'auth_key_file': cannot read key file .*missing.key"

{ good; echo 'interval = 10'; } >"$dir/unknown.toml"
expect_error unknown "unknown.toml:17: key 'address\[0\].interval': unknown key"
{ echo 'intreval_ms = 10'; good; } >"$dir/typo.toml"
expect_error typo "typo.toml:1: key 'intreval_ms': unknown key"

good | sed 's/^\[\[link\]\]$/[[link]/' >"$dir/syntax.toml"
expect_error syntax "syntax.toml:6: "

good | sed '/^\[\[link\]\]/,/^$/d' >"$dir/nolinks.toml"
expect_error nolinks "key 'link': at least one"

expect_error missing-file "missing-file.toml: cannot read the configuration file"


# expect_run NAME STATUS PATTERN COMMAND...: exits with STATUS, the message matches PATTERN.
expect_run() {
  local name=$1 want=$2 pattern=$3 out status=0
  shift 3
  out=$("$@" 2>&1) || status=$?
  if ((status == want)) && grep -qE -- "$pattern" <<<"$out"; then
    echo "PASS: $name (exit $status): $out"
  else
    echo "FAIL: $name (exit $status, wanted $want and /$pattern/): $out"
    failures=$((failures + 1))
  fi
}
# bad NAME SED PATTERN: the good file changed by SED is refused with exit 1.
bad() {
  good | sed "$2" >"$dir/$1.toml"
  expect_run "$1" 1 "$3" "$FAILOVERD" --config "$dir/$1.toml" --check-config
}
# bad_extra NAME TEXT PATTERN: the good file with TEXT on top is refused with exit 1.
bad_extra() {
  { printf '%s\n' "$2"; good; } >"$dir/$1.toml"
  expect_run "$1" 1 "$3" "$FAILOVERD" --config "$dir/$1.toml" --check-config
}

echo "== durations: finite and bounded"
bad nan 's/interval_ms = 10/interval_ms = nan/' \
  "nan.toml:2: key 'interval_ms': must be a finite number of milliseconds \(not nan or inf\)"
bad inf 's/interval_ms = 10/interval_ms = inf/' \
  "inf.toml:2: key 'interval_ms': must be a finite number of milliseconds \(not nan or inf\)"
bad_extra hold_nan 'failback_hold_down_ms = -nan' \
  "hold_nan.toml:1: key 'failback_hold_down_ms': must be a finite number of milliseconds"
bad_extra dead_huge 'initial_dead_time_ms = 1e300' \
  "dead_huge.toml:1: key 'initial_dead_time_ms': must be between 0 and 3600000 ms"
bad_extra hook_inf 'hook_timeout_ms = inf' "hook_inf.toml:1: key 'hook_timeout_ms': must be a finite number"
good >"$dir/flags.toml"
expect_run interval_flag_5000s 1 \
  "command line \(--interval 5000s\): key 'interval_ms': must be between 1 and 10000 ms" \
  "$FAILOVERD" --config "$dir/flags.toml" --interval 5000s --check-config
expect_run interval_flag_nan 2 "--interval 'nan' is not a duration" \
  "$FAILOVERD" --config "$dir/flags.toml" --interval nan --check-config
expect_run interval_flag_tiny 1 "key 'interval_ms': must be between 1 and 10000 ms" \
  "$FAILOVERD" --config "$dir/flags.toml" --interval 10us --check-config

echo "== links and addresses"
bad same_interface 's/interface = "eth1"/interface = "eth0"/' \
  "same_interface.toml:11: key 'link\[1\].interface': interface 'eth0' is already link\[0\]'s"
bad same_peer 's/peer = "broadcast"/peer = "198.51.100.1"/' \
  "same_peer.toml:12: key 'link\[1\].peer': peer 198.51.100.1 is already link\[0\]'s"
bad missing_interface 's/interface = "eth1"/interface = "eth9"/' \
  "missing_interface.toml:11: key 'link\[1\].interface': interface 'eth9' does not exist on this host"
bad path_interface 's|interface = "eth1"|interface = "../eth1"|' \
  "path_interface.toml:11: key 'link\[1\].interface': '../eth1' is not an interface name"
bad peer_zero 's/peer = "198.51.100.1"/peer = "0.0.0.0"/' \
  "peer_zero.toml:8: key 'link\[0\].peer': 0.0.0.0 is not a usable peer address"
bad peer_multicast 's/peer = "198.51.100.1"/peer = "224.0.0.18"/' \
  "peer_multicast.toml:8: key 'link\[0\].peer': 224.0.0.18 is not a usable peer address"
ip addr add 198.51.100.7/24 dev eth0
bad peer_own 's/peer = "198.51.100.1"/peer = "198.51.100.7"/' \
  "peer_own.toml:8: key 'link\[0\].peer': 198.51.100.7 is this host's own address, not the peer's"
{
  good
  for i in $(seq 2 256); do printf '[[link]]\ninterface = "d%s"\npeer = "broadcast"\n' "$i"; done
} >"$dir/links257.toml"
expect_run links257 1 "key 'link': 257 links; at most 256 \(the frame's link id is 8 bits\)" \
  "$FAILOVERD" --config "$dir/links257.toml" --check-config
bad no_prefix 's|198.51.100.100/24|198.51.100.100|' \
  "no_prefix.toml:16: key 'address\[0\].address': '198.51.100.100' has no /PREFIX"
bad address_zero 's|198.51.100.100/24|0.0.0.0/24|' \
  "address_zero.toml:16: key 'address\[0\].address': 0.0.0.0 cannot be a service address"
bad address_multicast 's|198.51.100.100/24|239.1.1.1/24|' \
  "address_multicast.toml:16: key 'address\[0\].address': 239.1.1.1 cannot be a service address"
bad address_broadcast 's|198.51.100.100/24|198.51.100.255/24|' \
  "address_broadcast.toml:16: key 'address\[0\].address': 198.51.100.255/24 is the network or broadcast address"
{ good; printf '[[address]]\ninterface = "eth1"\naddress = "198.51.100.100/24"\n'; } >"$dir/address_twice.toml"
expect_run address_twice 1 "address_twice.toml:19: key 'address\[1\].address': 198.51.100.100 is already address\[0\]" \
  "$FAILOVERD" --config "$dir/address_twice.toml" --check-config

echo "== paths and mail"
bad_extra long_socket "status_socket = \"/run/$(printf 'x%.0s' $(seq 120))\"" \
  "long_socket.toml:1: key 'status_socket': the path is 125 bytes; a Unix socket path holds at most 107"
expect_run long_socket_flag 1 "command line \(--status-socket\): key 'status_socket': the path is 125 bytes" \
  "$FAILOVERD" --config "$dir/flags.toml" --status-socket "/run/$(printf 'x%.0s' $(seq 120))" --check-config
bad_extra relative_sendmail 'sendmail = "sendmail"' \
  "relative_sendmail.toml:1: key 'sendmail': 'sendmail' must be an absolute path"
bad_extra relative_hooks 'hooks_dir = "hooks"' "relative_hooks.toml:1: key 'hooks_dir': 'hooks' must be an absolute path"
bad_extra mail_crlf 'mail_recipient = "admin@example.com\r\nBcc: x@evil.example"' \
  "mail_crlf.toml:1: key 'mail_recipient': contains a line break"
bad_extra mail_word 'mail_recipient = "-oQ/tmp"' \
  "mail_word.toml:1: key 'mail_recipient': '-oQ/tmp' is not a mail address"
bad_extra no_group 'control_group = "no-such-group-fo"' \
  "no_group.toml:1: key 'control_group': group 'no-such-group-fo' does not exist on this host"

echo "== the key file"
bad_extra none_and_key 'auth = "none"' \
  "none_and_key.toml:1: key 'auth': auth = \"none\" and a key \(auth_key_file\) are both set: remove one"
expect_run no_auth_and_key_flags 1 "key 'auth': auth = \"none\" and a key" \
  "$FAILOVERD" --config "$dir/flags.toml" --no-auth --key-file "$dir/key" --check-config
key_case() { # NAME PATH PATTERN
  good | sed "s|$dir/key|$2|" >"$dir/$1.toml"
  expect_run "$1" 1 "$3" timeout 5 "$FAILOVERD" --config "$dir/$1.toml" --check-config
}
key_case key_directory "$dir" "key 'auth_key_file': key file $dir is a directory, not a regular file"
key_case key_dev_zero /dev/zero "key 'auth_key_file': key file /dev/zero is a device, not a regular file"
mkfifo -m 600 "$dir/fifo"
key_case key_fifo "$dir/fifo" "key 'auth_key_file': key file $dir/fifo is a FIFO, not a regular file"
head -c 5000 /dev/zero | tr '\0' k >"$dir/big.key" && chmod 600 "$dir/big.key"
key_case key_big "$dir/big.key" "key file $dir/big.key is 5000 bytes; a key file holds at most 4096"
cp "$dir/key" "$dir/open.key" && chmod 644 "$dir/open.key"
key_case key_mode "$dir/open.key" \
  "key file $dir/open.key is accessible by group or others \(mode 0644\); run: chmod 600 $dir/open.key"
cp "$dir/key" "$dir/nobody.key" && chmod 600 "$dir/nobody.key"
if chown 65534 "$dir/nobody.key" 2>/dev/null; then
  key_case key_owner "$dir/nobody.key" "key file $dir/nobody.key is owned by uid 65534, not root; run: chown root:root"
fi

echo "== the key directory (key rollover)"
mkdir -m 700 "$dir/keys"
cp "$dir/key" "$dir/keys/1.key" && chmod 600 "$dir/keys/1.key"
key_dir() { # NAME SEND_ID_LINE: the good file on a key directory
  good | sed "s|^auth_key_file = .*|auth_key_dir = \"$dir/keys\"\n$2|" >"$dir/$1.toml"
}
key_dir dir_ok 'auth_send_key_id = 1'
expect_ok dir_ok
bad_extra file_and_dir "auth_key_dir = \"$dir/keys\"" \
  "file_and_dir.toml:1: key 'auth_key_dir': auth_key_file and auth_key_dir are both set: use one"
key_dir dir_no_send_id ''
expect_run dir_no_send_id 1 "key 'auth_key_dir': needs auth_send_key_id" \
  "$FAILOVERD" --config "$dir/dir_no_send_id.toml" --check-config
bad_extra send_id_no_dir 'auth_send_key_id = 1' \
  "send_id_no_dir.toml:1: key 'auth_send_key_id': is only for auth_key_dir"
bad_extra send_id_range 'auth_send_key_id = -1' \
  "send_id_range.toml:1: key 'auth_send_key_id': must be between 0 and 4294967295"
key_dir dir_missing_send 'auth_send_key_id = 2'
expect_run dir_missing_send 1 "key 'auth_key_dir': key directory $dir/keys holds no key 2 \(2.key\) to send with; it holds key id\(s\) 1" \
  "$FAILOVERD" --config "$dir/dir_missing_send.toml" --check-config
cp "$dir/keys/1.key" "$dir/keys/02.key"
key_dir dir_bad_name 'auth_send_key_id = 1'
expect_run dir_bad_name 1 "key 'auth_key_dir': key directory $dir/keys: '02.key' is not named <id>.key" \
  "$FAILOVERD" --config "$dir/dir_bad_name.toml" --check-config
rm "$dir/keys/02.key"
cp "$dir/keys/1.key" "$dir/keys/2.key" && chmod 640 "$dir/keys/2.key"
key_dir dir_open_key 'auth_send_key_id = 1'
expect_run dir_open_key 1 "key file $dir/keys/2.key is accessible by group or others \(mode 0640\)" \
  "$FAILOVERD" --config "$dir/dir_open_key.toml" --check-config
rm "$dir/keys/2.key"
good | sed "s|^auth_key_file = .*|auth_key_dir = \"$dir/nowhere\"\nauth_send_key_id = 1|" >"$dir/dir_missing.toml"
expect_run dir_missing 1 "key 'auth_key_dir': cannot open key directory $dir/nowhere" \
  "$FAILOVERD" --config "$dir/dir_missing.toml" --check-config

echo "== hostconfig"
hostconfig_case() { # NAME CONTENT MAP PATTERN
  printf '%s\n' "$2" >"$dir/$1.hc"
  expect_run "$1" 1 "$4" "$FAILOVERD" --hostconfig "$dir/$1.hc" --interface-map "$3" --no-auth --check-config
}
hostconfig_case hc_empty_interface $'FAILOVER_PEER_IP_PAIRS=":198.51.100.165"\nFAILOVER_PEER_IP="198.51.100.1"' "" \
  "hc_empty_interface.hc:1: key 'FAILOVER_PEER_IP_PAIRS': ':198.51.100.165': '' is not an interface name"
hostconfig_case hc_path_interface $'FAILOVER_PEER_IP_PAIRS="../x:198.51.100.165"\nFAILOVER_PEER_IP="198.51.100.1"' "" \
  "hc_path_interface.hc:1: key 'FAILOVER_PEER_IP_PAIRS': '../x:198.51.100.165': '../x' is not an interface name"
hostconfig_case hc_path_map $'FAILOVER_PEER_IP_PAIRS="en0:198.51.100.165"\nFAILOVER_PEER_IP="198.51.100.1"' "en0=/etc" \
  "--interface-map: 'en0=/etc' is not HOSTCONFIG_NAME=INTERFACE"
hostconfig_case hc_both $'FAILOVER_PEER_IP_PAIRS="en0:198.51.100.165"\nFAILOVER_BCAST_IPS="198.51.100.255"' "en0=eth0" \
  "hc_both.hc:2: key 'FAILOVER_BCAST_IPS': FAILOVER_PEER_IP_PAIRS \(a secondary\) and FAILOVER_BCAST_IPS \(a primary\) are both set"
hostconfig_case hc_empty_pairs $'FAILOVER_PEER_IP_PAIRS=""\nFAILOVER_PEER_IP="198.51.100.1"' "" \
  "hc_empty_pairs.hc:1: key 'FAILOVER_PEER_IP_PAIRS': is empty"
hostconfig_case hc_missing_interface $'FAILOVER_PEER_IP_PAIRS="en7:198.51.100.165"\nFAILOVER_PEER_IP="198.51.100.1"' "" \
  "hc_missing_interface.hc:1 \(FAILOVER_PEER_IP_PAIRS\): key 'link\[0\].interface': interface 'en7' does not exist on this host"

# Apple's hostconfig, checked the same way.
cat >"$dir/hostconfig" <<'HC'
FAILOVER_PEER_IP_PAIRS="en0:192.168.254.165"
FAILOVER_PEER_IP="not-an-ip"
HC
if out=$("$FAILOVERD" --hostconfig "$dir/hostconfig" --interface-map en0=eth0 --no-auth --check-config 2>&1); then
  echo "FAIL: broken hostconfig accepted: $out"
  failures=$((failures + 1))
elif grep -q "hostconfig:2: key 'FAILOVER_PEER_IP': 'not-an-ip' is not an IPv4 address" <<<"$out"; then
  echo "PASS: hostconfig: $out"
else
  echo "FAIL: hostconfig message: $out"
  failures=$((failures + 1))
fi

# The example configurations we ship must be valid.
for example in "$PACKAGING"/*.toml; do
  sed "s|/etc/fastfailover/key|$dir/key|" "$example" >"$dir/example.toml"
  daemon=$FAILOVERD
  [[ $(basename "$example") == heartbeatd.toml ]] && daemon=$HEARTBEATD
  if out=$("$daemon" --config "$dir/example.toml" --check-config 2>&1); then
    echo "PASS: $(basename "$example") is valid"
  else
    echo "FAIL: $(basename "$example"): $out"
    failures=$((failures + 1))
  fi
done

((failures == 0)) && echo "all checks passed" || { echo "$failures check(s) failed"; exit 1; }
