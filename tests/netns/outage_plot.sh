#!/usr/bin/env bash
# fo-probe outage --plot (issue 11, "Pictures"): a hand-made failover with a
# gap and a dual-owner window, measured with --json and --plot; then
#  - the SVG is well-formed XML (python3's parser);
#  - Chromium (Debian's, headless, run inside the test's client namespace)
#    renders it: --dump-dom gives the document it parsed and --screenshot a
#    picture; the caption's figures in the parsed document's <text> (outage
#    ms, dual-owner ms, the owners, probes sent) equal the JSON report's;
#  - one reply mark per answered probe, one triangle per gratuitous ARP seen
#    (at least the one b sent), a gap and a dual-owner window drawn.
# usage: outage_plot.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND
FO_PROBE=$2 ARP_SEND=$4
source "$(dirname "$0")/lib.sh"
fo_require_netns
CHROMIUM=$(command -v chromium || true)
[[ -n $CHROMIUM ]] || fo_skip_or_fail "chromium is not installed (scripts/install-deps.sh)"
PY=/usr/bin/python3

fo_lan lan lan
fo_host a a
fo_host b b
fo_host client client
fo_plug "$lan" "$a" eth0 198.51.100.11/24 pa
fo_plug "$lan" "$b" eth0 198.51.100.12/24 pb
fo_plug "$lan" "$client" eth0 198.51.100.50/24 pc
SERVICE=198.51.100.100
W=$FO_WORKDIR
ip -n "$a" addr add "$SERVICE/24" dev eth0
ip netns exec "$client" "$FO_PROBE" outage -i eth0 -t "$SERVICE" --duration 0.2 >/dev/null 2>&1 # resolves ARP

fo_spawn "$client" "$W/probe" "$FO_PROBE" outage -i eth0 -t "$SERVICE" --duration 2.5 --json --plot "$W/outage.svg"
probe=$FO_LAST_PID
fo_wait_for "probing" "$W/probe.log" 10
sleep 0.5 # a baseline of replies from a (not synchronisation)
ip -n "$a" addr del "$SERVICE/24" dev eth0
sleep 0.15 # nobody holds it: the gap
ip -n "$b" addr add "$SERVICE/24" dev eth0
ip netns exec "$b" "$ARP_SEND" eth0 gratuitous-request "$SERVICE" >/dev/null
sleep 0.4
ip -n "$a" addr add "$SERVICE/24" dev eth0 # both hold it: a dual-owner window
sleep 0.3
ip -n "$a" addr del "$SERVICE/24" dev eth0
fo_check "the probe ends by itself" fo_wait_exit "$probe" 15
echo "   report: $(jq -c '{outage_ms, dual_owner_ms, owners: [.owner_changes[].to], probes_sent, probes_answered, garps: (.gratuitous_arps | length)}' "$W/probe.out")"
fo_check "the measurement has a gap, a dual-owner window and an owner change" \
  jq -e '.outage_ms > 50 and .dual_owner_ms > 50 and (.owner_changes | length) == 2' "$W/probe.out"
fo_check "the picture was written" test -s "$W/outage.svg"
fo_check "it is well-formed XML" "$PY" -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$W/outage.svg"

# Chromium in the client's namespace (whatever it tries on the network stays
# there), with a profile of this run; --no-sandbox: we are root.
chromium_run() {
  ip netns exec "$client" timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$W/chromium-profile" "$@" 2>>"$W/chromium.log"
}
chromium_run --dump-dom "file://$W/outage.svg" >"$W/dom.svg"
chromium_run --screenshot="$W/outage.png" --window-size=1000,380 "file://$W/outage.svg" >/dev/null
echo "   chromium: $(wc -c <"$W/dom.svg") bytes of DOM, $(wc -c <"$W/outage.png" 2>/dev/null || echo 0) bytes of PNG"
fo_check "Chromium parsed it as an SVG document" grep -q '<svg' "$W/dom.svg"
fo_check "Chromium rendered a picture (PNG of more than 5 kB)" test "$(wc -c <"$W/outage.png" 2>/dev/null || echo 0)" -gt 5000
figures_status=0
"$PY" - "$W/dom.svg" "$W/probe.out" >"$W/figures.out" 2>&1 <<'PY' || figures_status=$?
import json, re, sys
from html import unescape
dom, report = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
def text(id_):
    m = re.search(r'<text[^>]*\bid="%s"[^>]*>(.*?)</text>' % id_, dom, re.S)
    assert m, f"no <text id={id_}> in the rendered document"
    return unescape(m.group(1))
outage = text("caption-outage")
assert re.fullmatch(r"outage: ([0-9.]+) ms", outage), outage
assert abs(float(outage.split()[1]) - report["outage_ms"]) < 0.0005, (outage, report["outage_ms"])
dual = text("caption-dual-owner")
m = re.fullmatch(r"dual-owner: ([0-9.]+) ms in (\d+) window\(s\)", dual)
assert m, dual
assert abs(float(m.group(1)) - report["dual_owner_ms"]) < 0.0005, (dual, report["dual_owner_ms"])
assert int(m.group(2)) == len(report["dual_owner_windows"]), dual
owners = text("caption-owners")
assert owners == "owners: " + " -> ".join(c["to"] for c in report["owner_changes"]), (owners, report["owner_changes"])
probes = text("caption-probes")
assert probes.startswith(f"probes: {report['probes_sent']} sent, {report['probes_answered']} answered"), probes
marks = sum(d.count("M") for d in re.findall(r'<g id="replies">(.*?)</g>', dom, re.S)[0].split('d="')[1:])
assert marks == report["probes_answered"], (marks, report["probes_answered"])
garps = len(re.findall(r"<polygon", re.findall(r'<g id="gratuitous-arps">(.*?)</g>', dom, re.S)[0]))
assert garps == len(report["gratuitous_arps"]) >= 1, (garps, len(report["gratuitous_arps"]))
gaps = re.findall(r'<g id="gaps">(.*?)</g>', dom, re.S)[0]
assert f"gap {report['outage_ms']:.3f} ms" in gaps, gaps[:300]
assert len(re.findall(r"<rect", re.findall(r'<g id="dual-owner-windows">(.*?)</g>', dom, re.S)[0])) == len(report["dual_owner_windows"])
print("figures OK:", outage, "|", dual, "|", owners, "|", marks, "marks,", garps, "gratuitous ARPs")
PY
cat "$W/figures.out"
fo_check "the rendered caption's figures and the marks match the JSON report" test "$figures_status" -eq 0
fo_finish
