#!/usr/bin/env bash
# --check-config on good and broken files: each broken one names the file,
# the line and the key, and exits non-zero. No root needed.
# usage: check_config.sh FAILOVERD HEARTBEATD PACKAGING_DIR
set -euo pipefail
FAILOVERD=$1 HEARTBEATD=$2 PACKAGING=$3
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
expect_error interval "interval.toml:2: key 'interval_ms': must be between 1 and 60000 ms"

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
