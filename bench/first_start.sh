#!/usr/bin/env bash
# First start (issue 13 §6): clone this checkout's HEAD into a temporary directory, install
# the locked dependencies (not timed: uv's cache makes it a copy), then time `make run` to the
# first 200 on / and to the first demo login that succeeds, and to the demo's end.
# Usage: bench/first_start.sh [PORT]   (default 8199). Prints the load average before and after.
set -euo pipefail
port=${1:-8199}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dir=$(mktemp -d /tmp/xinfang-first-start.XXXXXX)
git clone -q "$repo" "$dir"
cd "$dir"
echo "commit $(git rev-parse --short HEAD) in $dir"
make install >/dev/null 2>&1
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) - $start" | bc; }
setsid bash -c "PORT=$port exec make run" >run.log 2>&1 &
pgid=$!
trap 'kill -INT -- -$pgid 2>/dev/null; sleep 5; kill -TERM -- -$pgid 2>/dev/null; rm -rf "$dir"' EXIT
first=""
while :; do
  code=$(curl -s -o page.html -w '%{http_code}' -L --max-time 5 "http://127.0.0.1:$port/" || true)
  if [ "$code" = 200 ] && [ -z "$first" ]; then
    first=$(elapsed); echo "first 200 on /: ${first} s"
  fi
  if [ -n "$first" ]; then
    rm -f jar
    token=$(curl -s -c jar "http://127.0.0.1:$port/accounts/login/" \
      | grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' | sed 's/.*value="//;s/"//')
    answer=$(curl -s -o /dev/null -w '%{http_code}' -b jar -c jar \
      -e "http://127.0.0.1:$port/accounts/login/" \
      -d "csrfmiddlewaretoken=$token&username=dc_handler&password=xinfang2026" \
      "http://127.0.0.1:$port/accounts/login/" || true)
    if [ "$answer" = 302 ]; then echo "demo login works: $(elapsed) s"; break; fi
  fi
  if (($(echo "$(elapsed) > 600" | bc))); then echo "gave up after 600 s"; exit 1; fi
  sleep 0.5
done
for _ in $(seq 1 600); do
  curl -s "http://127.0.0.1:$port/accounts/login/" | grep -q "演示数据正在载入" || break
  sleep 1
done
echo "demo loaded (no more banner): $(elapsed) s"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
