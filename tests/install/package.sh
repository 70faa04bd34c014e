#!/usr/bin/env bash
# The Debian package, end to end: dpkg-buildpackage on a copy of the tree,
# `apt-get install ./fastfailover_*.deb` ON THIS MACHINE (a clean
# mmdebstrap root would add minutes of downloads to every CI run; the test
# refuses to run where fastfailover or /etc/fastfailover already exists, and
# purges the package on exit, even on failure), then from the installed
# files: --version, the dependencies dpkg-shlibdeps found, the conffiles, the
# root-only /etc/fastfailover (in the .deb and installed) and its generated
# key (kept when the postinst runs again), units installed but not
# enabled and accepted by systemd-analyze verify, `man -l` on every page,
# --check-config on the shipped examples, and a failover between two network
# namespaces run with the units' own ExecStartPre/ExecStart command lines.
# usage: package.sh SOURCE_DIR PROJECT_VERSION
SOURCE_DIR=$1 VERSION=$2
source "$SOURCE_DIR/tests/netns/lib.sh"
fo_require_netns
for tool in dpkg-buildpackage dh apt-get systemd-analyze man scdoc; do
  command -v "$tool" >/dev/null || fo_skip_or_fail "$tool is not installed (scripts/install-deps.sh)"
done
if dpkg-query -W -f='${Status}' fastfailover 2>/dev/null | grep -q installed || [[ -e /etc/fastfailover ]]; then
  fo_skip_or_fail "fastfailover is already installed here (or /etc/fastfailover exists): this test installs and purges its own"
fi
W=$FO_WORKDIR
installed=0
purge_package() {
  if ((installed)); then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq fastfailover >"$W/purge.log" 2>&1 || cat "$W/purge.log"
  fi
}
trap 'status=$?; set +e; purge_package; (exit "$status"); fo_cleanup' EXIT

# FO_PACKAGE_DEB=FILE skips the build and tests that package, and
# FO_PACKAGE_KEEP=DIR keeps a copy of the one built (to iterate on this test;
# the test command always builds).
if [[ -n "${FO_PACKAGE_DEB:-}" ]]; then
  mkdir -p "$W/pkg" && cp "$FO_PACKAGE_DEB" "$W/pkg/"
else
  echo "== build the package (dpkg-buildpackage -b) from a copy of the tree"
  mkdir -p "$W/pkg/src"
  if git -C "$SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$SOURCE_DIR" && git ls-files -co --exclude-standard -z | tar --null --no-recursion -T - -cf -) | tar -xf - -C "$W/pkg/src"
  else
    tar -C "$SOURCE_DIR" --exclude='./build*' -cf - . | tar -xf - -C "$W/pkg/src"
  fi
  rm -rf "$W/pkg/src/build" "$W/pkg/src"/build-*
  start=$SECONDS
  if ! (cd "$W/pkg/src" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck noddebs" dpkg-buildpackage -b -uc -us) \
    >"$W/dpkg-buildpackage.log" 2>&1; then
    tail -n 60 "$W/dpkg-buildpackage.log"
    echo "FAIL: dpkg-buildpackage"
    exit 1
  fi
  echo "   built in $((SECONDS - start)) s"
fi
deb=$(ls "$W"/pkg/fastfailover_*.deb)
echo "   $(basename "$deb")"
[[ -z "${FO_PACKAGE_KEEP:-}" ]] || cp "$deb" "$FO_PACKAGE_KEEP/"
fo_check "the package's version is the project's ($VERSION, debian/changelog = project(VERSION))" \
  test "$(dpkg-deb -f "$deb" Version)" == "$VERSION"
depends=$(dpkg-deb -f "$deb" Depends)
echo "   Depends: $depends"
# The libraries the binaries link (dpkg-shlibdeps turns them into Depends)
# for capture, injection, netlink, HMAC, sd_notify and the configuration,
# and libcurl4, named in debian/control: the mail child loads it for an SMTP
# relay (takeover/src/mail_transport.cpp), no binary links it.
# The README lists the same ones ("Installing on a pair of servers").
expected_depends=(libc6 libcurl4 libgcc-s1 libnet1 libnl-3-200 libnl-route-3-200 libpcap0.8 libssl3 libstdc++6
  libsystemd0 libtomlplusplus3)
depends_names=$(sed -e 's/ ([^)]*)//g' -e 's/, /\n/g' <<<"$depends" | sort)
for library in "${expected_depends[@]}"; do
  fo_check "Depends names $library" grep -qxF "$library" <<<"$depends_names"
done
fo_check "Depends names no other package (a new one goes into this list and the README)" \
  test "$depends_names" == "$(printf '%s\n' "${expected_depends[@]}" | sort)"
readme_depends=$(sed -n '/^Its dependencies come from/,/^$/p' "$SOURCE_DIR/README.md" | tr '\n' ' ')
for library in "${expected_depends[@]}"; do
  fo_check "the README's install section names $library" grep -qF -- "$library" <<<"$readme_depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xf - -C "$W" ./conffiles
# Root-only in the package itself, before any maintainer script runs
# (debian/rules, override_dh_fixperms): the key is generated in there.
for dir in ./etc/fastfailover/ ./etc/fastfailover/hooks/; do
  fo_check "the .deb ships $dir as root's, drwx------" \
    test "$(dpkg-deb -c "$deb" | awk -v d="$dir" '$6 == d { print $1, $2 }')" == "drwx------ root/root"
done
fo_check "the prerm stops the daemons on removal" grep -q "systemctl stop heartbeatd.service failoverd.service" \
  <(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./prerm)
for conffile in /etc/fastfailover/heartbeatd.toml /etc/fastfailover/failoverd.toml; do
  fo_check "$conffile is a conffile" grep -qx "$conffile" "$W/conffiles"
done

echo "== apt-get install ./$(basename "$deb") (on this machine; purged at the end)"
installed=1
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$W/install.log" 2>&1; then
  cat "$W/install.log"
  echo "FAIL: apt-get install"
  exit 1
fi
for tool in /usr/sbin/heartbeatd /usr/sbin/failoverd /usr/sbin/foctl /usr/sbin/fo-address /usr/bin/fo-probe; do
  fo_check "$tool --version: '$(basename "$tool") $VERSION (protocol N)'" \
    grep -qx "$(basename "$tool") $VERSION (protocol [0-9]*)" <("$tool" --version)
done
echo "   $(/usr/sbin/failoverd --version)"
fo_check "/etc/fastfailover is root's, mode 700" test "$(stat -c '%U %a' /etc/fastfailover)" == "root 700"
fo_check "/etc/fastfailover/hooks is root's, mode 700" test "$(stat -c '%U %a' /etc/fastfailover/hooks)" == "root 700"
fo_check "the postinst generated /etc/fastfailover/key: root's, mode 600, 44 bytes of base64" \
  test "$(stat -c '%U %a %s' /etc/fastfailover/key)" == "root 600 45"
# A key is generated only when there is none: the postinst run again
# (dpkg-reconfigure: what an upgrade's configure does) keeps the key the
# other node has a copy of.
key_before=$(sha256sum </etc/fastfailover/key)
# The postinst always makes /etc/fastfailover root-only: widened first, its
# mode afterwards shows that the postinst did run.
chmod 755 /etc/fastfailover
reconfigure_rc=0
DEBIAN_FRONTEND=noninteractive dpkg-reconfigure fastfailover >"$W/reconfigure.log" 2>&1 || reconfigure_rc=$?
fo_check "dpkg-reconfigure fastfailover succeeds" test "$reconfigure_rc" -eq 0
((reconfigure_rc == 0)) || cat "$W/reconfigure.log"
fo_check "it ran the postinst (/etc/fastfailover is mode 700 again)" \
  test "$(stat -c '%U %a' /etc/fastfailover)" == "root 700"
fo_check "dpkg-reconfigure (the postinst again) keeps /etc/fastfailover/key as it was" \
  test "$(sha256sum </etc/fastfailover/key)" == "$key_before"
fo_check "dpkg-reconfigure says it generated no key" bash -c "! grep -q 'generated /etc/fastfailover/key' '$W/reconfigure.log'"
units=(heartbeatd.service failoverd.service heartbeatd@.service failoverd@.service)
for unit in "${units[@]}"; do
  fo_check "$unit installed in /lib/systemd/system" test -s "/lib/systemd/system/$unit"
done
fo_check "no unit enabled (no symlink to them under /etc/systemd/system)" \
  test -z "$(find /etc/systemd/system -lname '*fastfailover*' -o -lname '*failoverd*' -o -lname '*heartbeatd*' 2>/dev/null)"

echo "== systemd-analyze verify on the installed units (templates as an instance)"
mkdir -p "$W/verify"
cp /lib/systemd/system/heartbeatd.service /lib/systemd/system/failoverd.service "$W/verify/"
cp /lib/systemd/system/heartbeatd@.service "$W/verify/heartbeatd@pair1.service"
cp /lib/systemd/system/failoverd@.service "$W/verify/failoverd@pair1.service"
systemd-analyze verify "$W"/verify/*.service >"$W/verify.log" 2>&1 || true
cat "$W/verify.log"
fo_check "systemd-analyze verify: no finding (binaries and man pages found)" test ! -s "$W/verify.log"

echo "== man -l on every installed page"
pages=$(dpkg -L fastfailover | grep -E '^/usr/share/man/man[0-9]/.+\.[0-9]\.gz$')
fo_check "six man pages installed" test "$(wc -l <<<"$pages")" -eq 6
fo_check "the OCF agent installed, executable" test -x /usr/lib/ocf/resource.d/fastfailover/address
for page in $pages; do
  fo_check "man -l $page renders, no warning" \
    bash -c "MANWIDTH=80 man --warnings -l '$page' 2>'$W/man.err' | grep -q 'SEE ALSO' && test ! -s '$W/man.err'"
done

echo "== --check-config on the shipped examples, in a namespace that has their eth0 and eth1"
fo_host examples examples
ip -n "$examples" link add eth0 type veth peer name eth1 # both ends inside the namespace
ip -n "$examples" link set eth0 up
ip -n "$examples" link set eth1 up
for daemon in heartbeatd failoverd; do
  fo_check "$daemon --check-config on /etc/fastfailover/$daemon.toml (the shipped example)" \
    ip netns exec "$examples" "/usr/sbin/$daemon" --config "/etc/fastfailover/$daemon.toml" --check-config
done

echo "== a failover between two namespaces with the units' command lines"
FOCTL=/usr/sbin/foctl
fo_failover_pair 10 3 3000
# The units read /etc/fastfailover/ROLE.toml: the pair's files go there
# (the conffiles are purged with the package), with the generated key.
sed -e "s|^auth_key_file = .*|auth_key_file = \"/etc/fastfailover/key\"|" "$W/primary.toml" >/etc/fastfailover/heartbeatd.toml
sed -e "s|^auth_key_file = .*|auth_key_file = \"/etc/fastfailover/key\"|" "$W/secondary.toml" >/etc/fastfailover/failoverd.toml
unit_command() { # UNIT KEY: the unit's command line (one, no specifiers)
  local line
  line=$(grep -m1 "^$2=" "/lib/systemd/system/$1")
  echo "${line#*=}"
}
read -r -a primary_pre <<<"$(unit_command heartbeatd.service ExecStartPre)"
read -r -a primary_start <<<"$(unit_command heartbeatd.service ExecStart)"
read -r -a secondary_pre <<<"$(unit_command failoverd.service ExecStartPre)"
read -r -a secondary_start <<<"$(unit_command failoverd.service ExecStart)"
echo "   primary:   ${primary_start[*]}"
echo "   secondary: ${secondary_start[*]}"
fo_check "heartbeatd's ExecStartPre (--check-config) passes" ip netns exec "$primary" "${primary_pre[@]}"
fo_check "failoverd's ExecStartPre (--check-config) passes" ip netns exec "$secondary" "${secondary_pre[@]}"
fo_spawn "$primary" "$W/primary" "${primary_start[@]}"
primary_pid=$FO_LAST_PID
fo_spawn "$secondary" "$W/secondary" "${secondary_start[@]}"
secondary_pid=$FO_LAST_PID
fo_wait_status primary '.holding' 15
fo_wait_status secondary '.peer.state == "alive"' 10
fo_spawn "$client" "$W/outage" /usr/bin/fo-probe outage -i lan0 -t "$SERVICE" --until-recovered --duration 20 --json
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/outage.log" 10
sleep 0.3 # a baseline of replies from the primary before the cut (not synchronisation)
ip -n "$primary" link set priv0 down
ip -n "$lan" link set p-lan down
fo_wait_exit "$probe" 20 || true
echo "   client saw: $(jq -c '{outage_ms, owner_changes: [.owner_changes[].to]}' "$W/outage.out")"
fo_check "the installed failoverd took over (holding)" test "$(fo_status secondary '.holding')" == true
fo_check "the client (installed fo-probe) was answered again within 1 s" jq -e '.outage_ms < 1000' "$W/outage.out"

echo "== apt-get purge"
fo_stop "$primary_pid" TERM 5
fo_stop "$secondary_pid" TERM 5
purge_package
installed=0
fo_check "purge removed the binaries" test ! -e /usr/sbin/failoverd
fo_check "purge removed /etc/fastfailover (conffiles, key, hooks dir)" test ! -e /etc/fastfailover
fo_finish
