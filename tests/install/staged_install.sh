#!/usr/bin/env bash
# `DESTDIR=STAGE cmake --install` (the build's own prefix under a scratch
# root): the layout the README and the package promise, every file in
# install_manifest.txt (the units too), --version from the installed tools,
# the units' ExecStart at the build's sbin, and the installed units accepted
# by `systemd-analyze verify` (copies re-pointed at the stage, the man pages
# they cite found there; again with every line of the sandbox drop-in on),
# with the same hardening block in all four.
# usage: staged_install.sh SOURCE_DIR BUILD_DIR PROJECT_VERSION
set -euo pipefail
source_dir=$1 build_dir=$2 version=$3
stage=$(mktemp -d /tmp/fo-staged.XXXX)
trap 'rm -rf "$stage"' EXIT
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build_dir/CMakeCache.txt")
root=$stage$prefix
failures=0
check() { # DESCRIPTION COMMAND...
  local description=$1
  shift
  if "$@" >/dev/null 2>&1; then echo "PASS: $description"; else echo "FAIL: $description"; failures=$((failures + 1)); fi
}

DESTDIR=$stage cmake --install "$build_dir" >"$stage/install.log"
unit_dir=$(find "$stage" -name failoverd.service -printf '%h\n' | head -n 1)
echo "prefix $prefix; units installed in ${unit_dir#"$stage"}"
for tool in sbin/heartbeatd sbin/failoverd sbin/foctl bin/fo-probe sbin/fo-address; do
  check "$tool installed and executable" test -x "$root/$tool"
  name=${tool#*/}
  check "$name --version says '$name $version (protocol N)'" \
    grep -qx "$name $version (protocol [0-9]*)" <("$root/$tool" --version)
done
for page in man8/heartbeatd.8 man8/failoverd.8 man8/foctl.8 man8/fo-probe.8 man8/fo-address.8 man5/fastfailover.toml.5; do
  check "man page $page installed and renders without warnings" \
    bash -c "[[ -s '$root/share/man/$page' ]] && [[ -z \$(MANWIDTH=80 man --warnings -l '$root/share/man/$page' 2>&1 >/dev/null) ]]"
done
check "the OCF agent lib/ocf/resource.d/fastfailover/address installed and executable" \
  test -x "$root/lib/ocf/resource.d/fastfailover/address"
for doc in README.md design.md protocol.md examples/heartbeatd.toml examples/failoverd.toml examples/hooks-override.conf; do
  check "share/doc/fastfailover/$doc installed" test -s "$root/share/doc/fastfailover/$doc"
done
for unit in heartbeatd.service failoverd.service heartbeatd@.service failoverd@.service; do
  check "$unit installed" test -s "$unit_dir/$unit"
  check "$unit: ExecStart points at the build's sbin ($prefix/sbin)" grep -q "^ExecStart=$prefix/sbin/" "$unit_dir/$unit"
  check "$unit is in install_manifest.txt (installed with install(FILES))" \
    grep -qFx "${unit_dir#"$stage"}/$unit" "$build_dir/install_manifest.txt"
done
# The manifest names the files without DESTDIR.
installed_files=$(find "$stage" -path "$stage/install.log" -prune -o -type f -printf '/%P\n' | sort)
check "install_manifest.txt lists exactly the files installed" \
  test "$(sort "$build_dir/install_manifest.txt")" == "$installed_files"

# Templates are verified as an instance, their ExecStart re-pointed at the
# stage; the man pages from the stage. Then again with every line of the
# sandbox drop-in on (verify reads FOO.service.d/ next to FOO.service).
verify_units() { # DESCRIPTION
  if MANPATH="$root/share/man" systemd-analyze verify --man=yes "$stage"/verify/*.service >"$stage/verify.log" 2>&1 &&
    ! grep -q . "$stage/verify.log"; then
    echo "PASS: systemd-analyze verify accepts $1"
  else
    echo "FAIL: systemd-analyze verify, $1:"
    cat "$stage/verify.log"
    failures=$((failures + 1))
  fi
}
mkdir -p "$stage/verify"
for unit in heartbeatd.service failoverd.service heartbeatd@.service failoverd@.service; do
  sed -e "s|$prefix/sbin/|$root/sbin/|g" "$unit_dir/$unit" >"$stage/verify/${unit/@/@pair1}"
done
verify_units "the four units (with their man pages)"
dropin=$root/share/doc/fastfailover/examples/hooks-override.conf
for unit in "$stage"/verify/*.service; do
  mkdir -p "$unit.d"
  sed -e 's/^#\([A-Z][A-Za-z]*=\)/\1/' "$dropin" >"$unit.d/override.conf"
done
check "the drop-in has settings to turn on (#Key=value lines)" grep -q '^[A-Z][A-Za-z]*=' "$stage/verify/failoverd.service.d/override.conf"
verify_units "the four units with every line of hooks-override.conf on"
# A negative control: verify does read those drop-ins (an unknown key in one shows).
printf '[Service]\nBogusKeyOfTheTest=1\n' >"$stage/verify/failoverd.service.d/zz-bogus.conf"
check "systemd-analyze verify reads the drop-ins (it names an unknown key in one)" \
  bash -c 'MANPATH="$1" systemd-analyze verify --man=no "$2"/verify/failoverd.service 2>&1 | grep -q BogusKeyOfTheTest' \
  _ "$root/share/man" "$stage"
rm "$stage/verify/failoverd.service.d/zz-bogus.conf"

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
