#!/usr/bin/env bash
# `cmake --install` into a scratch prefix: the layout the README and the
# package promise, --version from the installed tools, and the installed
# units accepted by `systemd-analyze verify` (their ExecStart re-pointed at the
# scratch prefix by the install rules, the man pages they cite found there),
# with the same hardening block in all four.
# usage: staged_install.sh SOURCE_DIR BUILD_DIR PROJECT_VERSION
set -euo pipefail
source_dir=$1 build_dir=$2 version=$3
stage=$(mktemp -d /tmp/fo-staged.XXXX)
trap 'rm -rf "$stage"' EXIT
failures=0
check() { # DESCRIPTION COMMAND...
  local description=$1
  shift
  if "$@" >/dev/null 2>&1; then echo "PASS: $description"; else echo "FAIL: $description"; failures=$((failures + 1)); fi
}

cmake --install "$build_dir" --prefix "$stage" >"$stage/install.log"
unit_dir=$(find "$stage" -name failoverd.service -printf '%h\n' | head -n 1)
echo "units installed in ${unit_dir#"$stage"}"
for tool in sbin/heartbeatd sbin/failoverd sbin/foctl bin/fo-probe sbin/fo-address; do
  check "$tool installed and executable" test -x "$stage/$tool"
  name=${tool#*/}
  check "$name --version says '$name $version (protocol N)'" \
    grep -qx "$name $version (protocol [0-9]*)" <("$stage/$tool" --version)
done
for page in man8/heartbeatd.8 man8/failoverd.8 man8/foctl.8 man8/fo-probe.8 man8/fo-address.8 man5/fastfailover.toml.5; do
  check "man page $page installed and renders without warnings" \
    bash -c "[[ -s '$stage/share/man/$page' ]] && [[ -z \$(MANWIDTH=80 man --warnings -l '$stage/share/man/$page' 2>&1 >/dev/null) ]]"
done
check "the OCF agent lib/ocf/resource.d/fastfailover/address installed and executable" \
  test -x "$stage/lib/ocf/resource.d/fastfailover/address"
for doc in README.md design.md protocol.md examples/heartbeatd.toml examples/failoverd.toml examples/hooks-override.conf; do
  check "share/doc/fastfailover/$doc installed" test -s "$stage/share/doc/fastfailover/$doc"
done
for unit in heartbeatd.service failoverd.service heartbeatd@.service failoverd@.service; do
  check "$unit installed" test -s "$unit_dir/$unit"
  check "$unit: ExecStart points at the installed sbin" grep -q "^ExecStart=$stage/sbin/" "$unit_dir/$unit"
done

# Templates are verified as an instance; the man pages from the stage.
mkdir -p "$stage/verify"
cp "$unit_dir/heartbeatd.service" "$unit_dir/failoverd.service" "$stage/verify/"
cp "$unit_dir/heartbeatd@.service" "$stage/verify/heartbeatd@pair1.service"
cp "$unit_dir/failoverd@.service" "$stage/verify/failoverd@pair1.service"
if MANPATH="$stage/share/man" systemd-analyze verify --man=yes "$stage"/verify/*.service >"$stage/verify.log" 2>&1 &&
  ! grep -q . "$stage/verify.log"; then
  echo "PASS: systemd-analyze verify accepts the four units (with their man pages)"
else
  echo "FAIL: systemd-analyze verify:"
  cat "$stage/verify.log"
  failures=$((failures + 1))
fi

# The sandbox is one block, the same in the four units.
hardening() { sed -n '/^# Hardening/,/^\[Install\]/p' "$1"; }
reference=$(hardening "$source_dir/packaging/failoverd.service")
check "the hardening block is present" test "$(wc -l <<<"$reference")" -gt 20
for unit in heartbeatd.service heartbeatd@.service failoverd@.service; do
  check "$unit has the same hardening block as failoverd.service" \
    test "$(hardening "$source_dir/packaging/$unit")" == "$reference"
done
for unit in "$source_dir"/packaging/*.service; do
  exposure=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  echo "   $(basename "$unit"): exposure $exposure"
  check "$(basename "$unit"): systemd-analyze security exposure at most 3.5 (was 7.1 before hardening)" \
    awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 3.5) }'
done

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
