#!/usr/bin/env bash
# The three-app scenario on a real local server (SPEC §15): builds Server/ once, starts crosswire-server
# on SQLite on a free loopback port, and drives crosswire-client devices: Alice on WhatsApp (phone, then a
# laptop linked through a code), Bob on Messenger, Carol on Instagram. 1:1 across apps with fan-out to
# every device and copies to one's own, a group across the three apps, Bob linking a tablet (the next
# send meets a 409 and recovers), Alice removing her laptop; then what the server stored: ciphertext only.
#   scripts/three-apps.sh [WORKDIR]   (default: a temporary folder, removed afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --package-path Server --build-tests >&2
bin=$(swift build --package-path Server --show-bin-path)
work=${1:-$(mktemp -d)}
[ $# -gt 0 ] || trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$bin/crosswire-server" --database "sqlite:$work/server.sqlite" --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v1/trust-root')" 2>/dev/null && break
    sleep 0.1
done
url="http://127.0.0.1:$port"
client() { local device=$1; shift; "$bin/crosswire-client" --server "$url" --state "$work/$device" "$@"; }
say() { printf '\n== %s\n' "$*"; }
show() { local device=$1; shift; client "$device" "$@" | sed "s/^/  $device: /"; }

say "1. Three apps, one server on 127.0.0.1:$port (SQLite at $work/server.sqlite)"
show alice-phone register --app whatsapp --user alice
show bob register --app messenger --user bob
show carol register --app instagram --user carol

say "2. Alice links a laptop: it shows a code, her phone approves it through the server"
client alice-laptop link --app whatsapp --user alice >"$work/link.out" &
link_pid=$!
for _ in $(seq 1 100); do [ -s "$work/link.out" ] && break; sleep 0.1; done
code=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["code"])' "$work/link.out")
echo "  alice-laptop shows the code $code"
show alice-phone approve "$code"
wait "$link_pid"
sed 's/^/  alice-laptop: /' "$work/link.out"
show alice-phone devices list

say "3. Alice's phone writes to Bob: one envelope for Bob's device, a copy for her laptop"
show alice-phone send --to messenger:bob "Hi Bob, from WhatsApp!"
show bob receive
show alice-laptop receive

say "4. Bob replies from Messenger: both of Alice's devices read it (anonymous: Bob learned Alice's profile key from her message)"
show bob send --to whatsapp:alice "Hello Alice! Messenger here."
show alice-phone receive
show alice-laptop receive

say "5. Carol makes a group across the three apps"
show carol group create trio whatsapp:alice messenger:bob
show alice-phone receive
show alice-laptop receive
show bob receive
show carol send --group trio "Welcome to the group, WhatsApp and Messenger!"
show alice-phone receive
show alice-laptop receive
show bob receive

say "6. Bob links a tablet; Alice's next message reaches it (the server answered 409, the client recovered)"
client bob-tablet link --app messenger --user bob >"$work/link2.out" &
link_pid=$!
for _ in $(seq 1 100); do [ -s "$work/link2.out" ] && break; sleep 0.1; done
code=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["code"])' "$work/link2.out")
show bob approve "$code"
wait "$link_pid"
show alice-phone send --to messenger:bob "Reaching all your devices?"
show bob receive
show bob-tablet receive

say "7. Alice removes her laptop: it is sent nothing more, and its credential stops working"
show alice-phone devices remove 2
show carol send --group trio "The laptop is gone; the group moved to a new chain."
show alice-phone receive
if client alice-laptop receive >"$work/laptop.out" 2>"$work/laptop.err"; then
    echo "  alice-laptop: received $(wc -l <"$work/laptop.out") messages"
else
    echo "  alice-laptop: refused by the server: $(grep -o "credential's device[^\"]*\|unknown credential" "$work/laptop.err" | head -1)"
fi

say "8. What the server stored: public keys, signed lists and ciphertext only"
python3 - "$work/server.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for table in ["accounts", "devices", "credentials", "signed_prekeys", "one_time_prekeys", "kem_prekeys", "messages", "links"]:
    print(f"  {table:17} {db.execute(f'SELECT COUNT(*) FROM {table}').fetchone()[0]:4} rows")
raw = open(sys.argv[1], "rb").read()
for text in [b"Hi Bob", b"Welcome to the group", b"Reaching all"]:
    print(f"  plaintext {text.decode()!r} in the database file: {'FOUND' if text in raw else 'no'}")
PY
