#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the examples of tools/examples: start each echo server, run its
# client against it, check the echo and the server's exit status. The
# example programs are looked for in $EXAMPLES_DIR, next to this script,
# then in PATH; a missing pair is skipped.

dir=$(cd "$(dirname "$0")" && pwd)
PATH=${EXAMPLES_DIR:+$EXAMPLES_DIR:}$dir:$PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

echo "TAP version 13"
echo "1..2"

# check MODE PORT: the MODE-echo-server/-client pair on the loopback.
check() {
	mode=$1 port=$2
	n=$((n + 1))
	name="examples: $mode-echo-server and $mode-echo-client"
	if ! command -v "$mode-echo-server" >/dev/null ||
	   ! command -v "$mode-echo-client" >/dev/null; then
		echo "ok $n $name # SKIP not built"
		return
	fi
	"$mode-echo-server" -n 1 "$port" >"$tmp/server.out" 2>&1 &
	pid=$!
	i=0
	while ! grep -q listening "$tmp/server.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	out=$("$mode-echo-client" 127.0.0.1 "$port" hello "a second message" \
		"$(printf '%01000d' 7)" 2>&1)
	crc=$?
	# The server serves one connection (-n 1) and exits.
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	kill $pid 2>/dev/null
	wait $pid
	src=$?
	echoes=$(echo "$out" | grep -c '^echo: ')
	if [ $crc -eq 0 ] && [ $src -eq 0 ] && [ "$echoes" -eq 3 ]; then
		echo "ok $n $name"
	else
		echo "# client (exit $crc):"
		echo "$out" | sed 's/^/#   /'
		echo "# server (exit $src):"
		sed 's/^/#   /' "$tmp/server.out"
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
}

check framing 7101
check tls 7102
[ $failed -eq 0 ]
