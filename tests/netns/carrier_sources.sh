#!/usr/bin/env bash
# Our own carrier, as the daemons and fo-address read it
# (NetlinkAddressManager::carrier): ETHTOOL_GLINK where the driver has a
# get_link (veth here), a netlink RTM_GETLINK (IFF_UP + IFF_LOWER_UP) where
# it has none (ifb). `fo-address status --require-carrier` exits 0 while the
# interface holding the address has carrier and non-zero when not:
#  1. veth: carrier while both ends are up; none when the far end goes down
#     (our end stays administratively up); back when it comes up;
#     none when our own end goes down;
#  2. ifb (no ethtool get_link): carrier while up, none while down;
# and, by strace, that the veth's answer came from SIOCETHTOOL and the ifb's
# from RTM_GETLINK after SIOCETHTOOL failed with EOPNOTSUPP.
# usage: carrier_sources.sh HEARTBEATD ... (fo-address is found in the build
# tree next to heartbeatd's directory)
HEARTBEATD=$1
FO_ADDRESS="$(cd "$(dirname "$HEARTBEATD")/.." && pwd)/fo-address/fo-address"
source "$(dirname "$0")/lib.sh"
fo_require_netns
[[ -x "$FO_ADDRESS" ]] || fo_skip_or_fail "fo-address is not built ($FO_ADDRESS)"
command -v strace >/dev/null || fo_skip_or_fail "strace is not installed (it shows which read answered)"
W=$FO_WORKDIR

fo_host host host
fo_host far far
fo_cable "$host" lan0 198.51.100.1/24 "$far" lan0 198.51.100.2/24

# fo-address's carrier verdict on the address's link: exit 0 with carrier,
# 1 and "has no carrier" without; any other outcome (the address missing: 3,
# a bad argument: 2) is neither and fails both.
carrier_verdict() { # IFACE CIDR: prints "carrier", "none" or "rc N: ..."
  local rc=0 output
  output=$(ip netns exec "$host" "$FO_ADDRESS" status -i "$1" -a "$2" --require-carrier 2>&1) || rc=$?
  if ((rc == 0)); then echo carrier
  elif ((rc == 1)) && [[ $output == *"has no carrier"* ]]; then echo none
  else echo "rc $rc: $output"; fi
}
has_carrier() { [[ $(carrier_verdict "$@") == carrier ]]; }
no_carrier() { [[ $(carrier_verdict "$@") == none ]]; }

# A carrier change reaches the reader at once (the veth's peer flips it
# synchronously); the bounded wait only absorbs a slow `ip`.
settle() { # STATE IFACE CIDR: waits up to 2 s for has_carrier or no_carrier
  local want=$1 i
  for i in $(seq 1 40); do
    "$want" "$2" "$3" && return 0
    sleep 0.05
  done
  echo "still $(carrier_verdict "$2" "$3"), not $want"
  return 1
}

fo_check "veth, both ends up: carrier" settle has_carrier lan0 198.51.100.1/24
# Which read answered: ETHTOOL_GLINK succeeds on veth (it has get_link).
calls() { # IFACE CIDR: the ioctl and netlink send calls of one status run
  ip netns exec "$host" strace -f -e trace=ioctl,sendmsg,sendto -o "$W/strace.$1" \
    "$FO_ADDRESS" status -i "$1" -a "$2" --require-carrier >/dev/null 2>&1 || true
  cat "$W/strace.$1"
}
veth_calls=$(calls lan0 198.51.100.1/24)
fo_check "veth: the carrier came from ETHTOOL_GLINK (SIOCETHTOOL returned 0)" \
  grep -qE 'ioctl\(.*SIOCETHTOOL.* = 0$' <<<"$veth_calls"
fo_check "veth: and no RTM_GETLINK was sent" bash -c '! grep -q RTM_GETLINK "$1"' _ "$W/strace.lan0"
ip -n "$far" link set lan0 down
fo_check "veth, the far end down: no carrier (our end still up)" settle no_carrier lan0 198.51.100.1/24
fo_check "veth, the far end down: our end is administratively up" \
  bash -c "ip -n '$host' -o link show lan0 | grep -q '[<,]UP[,>]'"
ip -n "$far" link set lan0 up
fo_check "veth, the far end up again: carrier" settle has_carrier lan0 198.51.100.1/24
ip -n "$host" link set lan0 down
fo_check "veth, our end down: no carrier" settle no_carrier lan0 198.51.100.1/24

if ip -n "$host" link add ifb0 type ifb 2>/dev/null; then
  ip -n "$host" addr add 203.0.113.1/24 dev ifb0
  ip -n "$host" link set ifb0 up
  fo_check "ifb (netlink path), up: carrier" settle has_carrier ifb0 203.0.113.1/24
  ifb_calls=$(calls ifb0 203.0.113.1/24)
  fo_check "ifb: ETHTOOL_GLINK is not supported (EOPNOTSUPP)" \
    grep -qE 'ioctl\(.*SIOCETHTOOL.* = -1 EOPNOTSUPP' <<<"$ifb_calls"
  fo_check "ifb: so the carrier came from an RTM_GETLINK request" grep -q RTM_GETLINK <<<"$ifb_calls"
  ip -n "$host" link set ifb0 down
  fo_check "ifb (netlink path), down: no carrier" settle no_carrier ifb0 203.0.113.1/24
else
  fo_skip_or_fail "this kernel has no ifb device (a driver without ethtool get_link): the netlink path is untested"
fi
fo_finish
