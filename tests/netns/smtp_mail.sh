#!/usr/bin/env bash
# Mail without a local MTA (issue 11): the daemons send their notifications
# through an SMTP relay with libcurl, in a child process, retried with
# backoff; the outcome shows in status. The standard pair at 10 ms x 3 and a
# mail host on the LAN running a real SMTP server (aiosmtpd, Debian's
# python3-aiosmtpd: tests/support/smtp_sink.py).
#  1. an SMTP credentials file readable by group or others is refused with
#     an error naming the file (failoverd --check-config exits non-zero);
#  2. the primary's relay is down (a port nobody listens on): its mail about
#     taking the address is retried (status: retrying, the reason, retries
#     growing), then given up (failed) after mail_attempts; meanwhile its
#     beats flow (the secondary hears it, never takes over);
#  3. the primary stops; the secondary takes over and its mail arrives at the
#     SMTP server (STARTTLS required, certificate checked against
#     smtp_ca_file, AUTH with the credentials file's user and password):
#     envelope, headers (From, To, Subject, Date, Message-ID) and body
#     (event, node, time, addresses); its status says sent.
# usage: smtp_mail.sh HEARTBEATD FO_PROBE PCAP_REPLAY ARP_SEND FAILOVERD FOCTL
HEARTBEATD=$1 FAILOVERD=$5 FOCTL=$6
source "$(dirname "$0")/lib.sh"
fo_require_netns
PY=/usr/bin/python3 # Debian's, with python3-aiosmtpd (not a pyenv shim)
"$PY" -c 'import aiosmtpd' 2>/dev/null || fo_skip_or_fail "python3-aiosmtpd is not installed (scripts/install-deps.sh)"
W=$FO_WORKDIR
MAIL_HOST=198.51.100.25
fo_failover_pair 10 3 1000 "mail_recipient = \"ops@example.com\"
mail_from = \"failover@example.com\"
smtp_starttls = \"optional\"
mail_attempts = 3
mail_retry_ms = 1500"
sed -i "s|^mail_from = .*|&\nsmtp_url = \"smtp://$MAIL_HOST:2526\"|" "$W/primary.toml"   # nobody listens there
sed -i "s|^mail_from = .*|&\nsmtp_url = \"smtp://$MAIL_HOST:2525\"|" "$W/secondary.toml" # the SMTP server
fo_host mailhost mail
fo_plug "$lan" "$mailhost" lan0 "$MAIL_HOST/24" m-lan
command -v openssl >/dev/null || fo_skip_or_fail "openssl is not installed"

# The secondary's relay: STARTTLS required (a certificate for the mail
# host's address, trusted through smtp_ca_file) and AUTH with credentials
# from a file.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mail.test -addext "subjectAltName=IP:$MAIL_HOST" \
  -keyout "$W/smtp.key" -out "$W/smtp.crt" 2>/dev/null
printf 'mailer:s3cret: pass\n' >"$W/smtp.credentials"
sed -i -e 's|^smtp_starttls = .*|smtp_starttls = "required"|' \
  -e "s|^mail_from = .*|&\nsmtp_credentials_file = \"$W/smtp.credentials\"\nsmtp_ca_file = \"$W/smtp.crt\"|" \
  "$W/secondary.toml"

# 1. Credentials readable by others: refused before anything starts.
chmod 644 "$W/smtp.credentials"
check_status=0
ip netns exec "$secondary" "$FAILOVERD" --check-config --config "$W/secondary.toml" >"$W/check.out" 2>&1 || check_status=$?
echo "   --check-config with a 0644 credentials file: exit $check_status: $(cat "$W/check.out")"
fo_check "a credentials file readable by group or others is refused (exit non-zero)" test "$check_status" -ne 0
fo_check "the error names the file, the key and the fix" \
  grep -q "secondary.toml:[0-9]*: key 'smtp_credentials_file': SMTP credentials file $W/smtp.credentials is readable by group or others (mode 0644); run: chmod 600" "$W/check.out"
chmod 600 "$W/smtp.credentials"
fo_check "the same file with mode 0600 passes --check-config" \
  ip netns exec "$secondary" "$FAILOVERD" --check-config --config "$W/secondary.toml"

fo_spawn "$mailhost" "$W/smtp" "$PY" "$(dirname "$0")/../support/smtp_sink.py" "$MAIL_HOST" 2525 "$W/received.jsonl" \
  --tls "$W/smtp.crt" "$W/smtp.key" --auth "mailer:s3cret: pass"
fo_check "the SMTP server listens" fo_wait_for "listening" "$W/smtp.out" 15

# 2. The primary's relay is down.
fo_start_pair run
fo_check "the primary's mail is retried (status: retrying, connection refused)" \
  fo_wait_status primary '.notifications.last_mail.outcome == "retrying" and .notifications.mail_retries >= 1' 10
fo_status primary '.notifications' >"$W/primary-retrying.json"
echo "   primary while retrying: $(jq -c . "$W/primary-retrying.json")"
fo_check "the status names the transport and the reason" \
  jq -e '.transport == "smtp" and (.last_mail.reason | test("connect|refused"; "i")) and .mail_pending == 1 and .last_mail.retry_in_ms > 0' \
  "$W/primary-retrying.json"
beats_before=$(fo_status secondary '[.links[].beats_received] | add')
fo_check "the primary gives up after mail_attempts (3) attempts" \
  fo_wait_status primary '.notifications.last_mail.outcome == "failed" and .notifications.last_mail.attempts == 3 and .notifications.mail_failed == 1' 15
beats_after=$(fo_status secondary '[.links[].beats_received] | add')
fo_status primary '.notifications' >"$W/primary-failed.json"
echo "   primary after giving up: $(jq -c . "$W/primary-failed.json"); secondary heard $((beats_after - beats_before)) beats meanwhile"
fo_check "2 retries, nothing pending, nothing sent" \
  jq -e '.mail_retries == 2 and .mail_pending == 0 and .mail_sent == 0' "$W/primary-failed.json"
fo_check "beats flowed while mail failed (>= 100 more beats heard by the secondary)" \
  test "$((beats_after - beats_before))" -ge 100
fo_check "the secondary never took over meanwhile" test "$(fo_status secondary '.counters.takeovers')" -eq 0
fo_check "the primary logged the retries" grep -q "attempt 1 failed, retrying in 1500 ms" "$W/primary-run.log"
fo_check "nothing reached the SMTP server yet" test ! -s "$W/received.jsonl"

# 3. The primary stops: the secondary takes over and mails through the relay.
sent_after=$(date +%s)
fo_stop "$PRIMARY_PID" TERM 5 # releases the address: the secondary takes it over at once
fo_check "the secondary takes over" fo_wait_status secondary '.holding' 10
fo_check "its mail is sent (status)" fo_wait_status secondary '.notifications.mail_sent >= 1' 15
for _ in $(seq 1 100); do [[ -s "$W/received.jsonl" ]] && break; sleep 0.05; done # bounded: 5 s
fo_status secondary '.notifications' >"$W/secondary-sent.json"
echo "   secondary: $(jq -c . "$W/secondary-sent.json")"
fo_check "status: the last mail was sent at the first attempt" \
  jq -e '.transport == "smtp" and .last_mail.outcome == "sent" and .last_mail.attempts == 1 and .mail_failed == 0' \
  "$W/secondary-sent.json"
message_status=0
"$PY" - "$W/received.jsonl" "$sent_after" "$(hostname)" >"$W/message-check.out" 2>&1 <<'PY' || message_status=$?
import email, email.utils, json, re, sys
path, not_before, node = sys.argv[1], int(sys.argv[2]), sys.argv[3]
records = [json.loads(line) for line in open(path)]
took_over = [r for r in records if "took over" in r["data"]]
assert took_over, f"no 'took over' message among {len(records)}"
record = took_over[0]
assert record["peer"] == "198.51.100.2", record["peer"]
assert record["tls"] is True, "not sent over STARTTLS"
assert record["login"] == "mailer", record["login"]
assert record["mail_from"] == "failover@example.com", record["mail_from"]
assert record["rcpt_tos"] == ["ops@example.com"], record["rcpt_tos"]
message = email.message_from_string(record["data"])
assert message["From"] == "failover@example.com", message["From"]
assert message["To"] == "ops@example.com", message["To"]
assert message["Subject"] == f"[failover {node}] took over 198.51.100.100/24@lan0", message["Subject"]
date = email.utils.parsedate_to_datetime(message["Date"]).timestamp()
assert not_before - 1 <= date <= not_before + 30, (message["Date"], not_before)
assert re.fullmatch(r"<[0-9a-f]+\.[0-9a-f]+\.failover@" + re.escape(node) + ">", message["Message-ID"]), message["Message-ID"]
body = message.get_payload().replace("\r\n", "\n")
for line in ["Event: took over 198.51.100.100/24@lan0", f"Node: {node}", "Addresses: 198.51.100.100/24@lan0"]:
    assert line in body.splitlines(), (line, body)
assert re.search(r"^Time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body, re.M), body
assert "reason: " in body, body
print("message OK:", message["Subject"], "|", message["Message-ID"])
PY
cat "$W/message-check.out"
fo_check "the received message has the envelope, headers and body" test "$message_status" -eq 0
fo_finish
