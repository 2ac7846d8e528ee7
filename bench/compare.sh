#!/usr/bin/env bash
# bench/compare.sh: envseal run against its floor and its peers, side by
# side in one run, with 50 and 5,000 secrets. See BENCHMARKS.md.
#
#   bash bench/compare.sh            # RUNS=100 by default
#   RUNS=30 SIZES="50" bash bench/compare.sh
#   ONLY='envseal|sops' bash bench/compare.sh   # leave dotenvx out
#
# It installs what it needs, by pinned version: hyperfine and GNU time from
# Debian, sops and age-keygen with go install, dotenvx from npm (into
# bench/.tools, which git ignores). It builds envseal twice (static, as
# CGO_ENABLED=0 makes it, and the default build) and a third time without
# etcd (-tags envseal_noetcd) and bench/launcher, the
# floor: a static Go program that reads the sealed bundle, derives the key,
# opens it with one AES-256-GCM open and execs the command. Then, for each
# size, hyperfine gives the median wall time over RUNS runs (after WARMUP
# warm-ups; SLOW_RUNS after 1 for a command slower than a second) and GNU
# time the median of PEAKS (SLOW_PEAKS) peak resident set sizes. Results go
# to standard output as a Markdown table, and as JSON to bench/.results.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
export SOPS_DISABLE_VERSION_CHECK=1

SOPS_VERSION=v3.13.3
AGE_VERSION=v1.3.2
DOTENVX_VERSION=2.38.2
RUNS=${RUNS:-100}
WARMUP=${WARMUP:-5}
PEAKS=${PEAKS:-10} # runs for the peak RSS
SLOW_RUNS=${SLOW_RUNS:-5} # for a command slower than 1 s
SLOW_PEAKS=${SLOW_PEAKS:-3}
SIZES=${SIZES:-"50 5000"}
ONLY=${ONLY:-} # a regular expression: time only the commands it matches (true and the launcher always)

root=$PWD
tools=$root/bench/.tools
results=$root/bench/.results
mkdir -p "$tools" "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- tools ---------------------------------------------------------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ ! -x "$tools/sops" ] || ! "$tools/sops" --version 2>/dev/null | grep -q "${SOPS_VERSION#v}"; then
  echo "installing sops $SOPS_VERSION" >&2
  GOBIN=$tools go install "github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION"
fi
[ -x "$tools/age-keygen" ] || GOBIN=$tools go install "filippo.io/age/cmd/age-keygen@$AGE_VERSION"
dotenvx=$tools/npm/node_modules/.bin/dotenvx
if [ ! -x "$dotenvx" ] || [ "$("$dotenvx" --version)" != "$DOTENVX_VERSION" ]; then
  echo "installing @dotenvx/dotenvx $DOTENVX_VERSION" >&2
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "@dotenvx/dotenvx@$DOTENVX_VERSION" >/dev/null
fi
sops=$tools/sops

CGO_ENABLED=0 go build -trimpath -o "$work/envseal" ./cmd/envseal
go build -trimpath -o "$work/envseal-cgo" ./cmd/envseal
CGO_ENABLED=0 go build -trimpath -tags envseal_noetcd -o "$work/envseal-lean" ./cmd/envseal
CGO_ENABLED=0 go build -trimpath -o "$work/launcher" ./bench/launcher
truebin=$(command -v true)

# --- one size --------------------------------------------------------------
peak() { # peak RSS in KiB, median of PEAKS runs of "$@"
  for _ in $(seq "$PEAKS"); do
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# wanted says whether ONLY, a regular expression (all when empty), matches
# the command named $1.
wanted() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

compare() {
  local n=$1 dir=$work/n$n
  mkdir -p "$dir/dx"
  # n secrets of 40 random characters, as a .env file.
  python3 -c "import secrets,string,sys
a = string.ascii_letters + string.digits
for i in range(1, $n + 1):
    print('SECRET_%05d=%s' % (i, ''.join(secrets.choice(a) for _ in range(40))))" >"$dir/app.env"

  export ENVSEAL_KEY
  ENVSEAL_KEY=$("$work/envseal" key generate --out - 2>/dev/null)
  "$work/envseal" --store "$dir/store" secrets import bench "$dir/app.env" >/dev/null 2>&1

  if wanted "sops exec-env"; then
    "$tools/age-keygen" -o "$dir/age.txt" 2>/dev/null
    export SOPS_AGE_KEY_FILE=$dir/age.txt
    "$sops" encrypt --age "$(grep -o 'age1[a-z0-9]*' "$dir/age.txt")" \
      --input-type dotenv --output-type dotenv "$dir/app.env" >"$dir/app.sops.env"
  fi
  if wanted "dotenvx run"; then
    cp "$dir/app.env" "$dir/dx/.env"
    (cd "$dir/dx" && "$dotenvx" encrypt -f .env >/dev/null 2>&1)
  fi

  local -a names cmds
  names=("true" "launcher (floor)" "envseal run --secret" "envseal run --dotenv" "envseal run --secret (-tags envseal_noetcd)" "envseal run --dotenv (-tags envseal_noetcd)" "envseal run --exec --secret" "envseal run --exec --secret (-tags envseal_noetcd)" "envseal run --secret (cgo build)" "sops exec-env" "dotenvx run")
  cmds=(
    "$truebin"
    "$work/launcher $dir/store/bench.sealed bench $truebin"
    "$work/envseal --store $dir/store run --secret bench -- $truebin"
    "$work/envseal run --dotenv $dir/app.env -- $truebin"
    "$work/envseal-lean --store $dir/store run --secret bench -- $truebin"
    "$work/envseal-lean run --dotenv $dir/app.env -- $truebin"
    "$work/envseal --store $dir/store run --exec --secret bench -- $truebin"
    "$work/envseal-lean --store $dir/store run --exec --secret bench -- $truebin"
    "$work/envseal-cgo --store $dir/store run --secret bench -- $truebin"
    "$sops exec-env $dir/app.sops.env $truebin"
    "$dotenvx run -q -f $dir/dx/.env -fk $dir/dx/.env.keys -- $truebin"
  )
  # Only the commands ONLY asks for, beside true and the launcher.
  local -a keep_names keep_cmds
  local i
  for i in "${!cmds[@]}"; do
    if [ "$i" -lt 2 ] || wanted "${names[$i]}"; then
      keep_names+=("${names[$i]}")
      keep_cmds+=("${cmds[$i]}")
    fi
  done
  names=("${keep_names[@]}")
  cmds=("${keep_cmds[@]}")

  # Every command must work before it is timed. That first run also says
  # how slow it is: a command taking more than a second (dotenvx with 5,000
  # secrets takes tens of seconds) is timed SLOW_RUNS times after one
  # warm-up, and its peak memory taken from SLOW_PEAKS runs.
  local -a meds rss runs
  local c t0 ms r w p
  for i in "${!cmds[@]}"; do
    c=${cmds[$i]}
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    $c >/dev/null 2>&1 || { echo "failed: $c" >&2; exit 1; }
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$ms" -gt 1000 ]; then r=$SLOW_RUNS w=1 p=$SLOW_PEAKS; else r=$RUNS w=$WARMUP p=$PEAKS; fi
    echo "timing ${names[$i]} ($n secrets): $r runs" >&2
    hyperfine -N --warmup "$w" --runs "$r" --export-json "$results/n$n-$i.json" "$c" >/dev/null 2>&1
    meds[i]=$(python3 -c "import json,statistics;print(statistics.median(json.load(open('$results/n$n-$i.json'))['results'][0]['times']))")
    # shellcheck disable=SC2086
    rss[i]=$(PEAKS=$p peak $c)
    runs[i]=$r
  done

  echo
  echo "### $n secrets (median wall time after $WARMUP warm-ups, median peak RSS of $PEAKS runs; commands slower than 1 s: $SLOW_RUNS runs after 1 warm-up, $SLOW_PEAKS for the peak)"
  echo
  echo "| command | runs | median ms | / launcher | peak RSS MiB |"
  echo "|---|---:|---:|---:|---:|"
  for i in "${!cmds[@]}"; do
    python3 -c "print('| %s | %d | %.1f | %.2fx | %.1f |' % ('${names[$i]}', ${runs[$i]}, ${meds[$i]}*1000, ${meds[$i]}/${meds[1]}, ${rss[$i]}/1024))"
  done
}

echo "## envseal run against the floor and the peers"
echo
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3),"
echo "sops ${SOPS_VERSION}, dotenvx ${DOTENVX_VERSION} on node $(node --version), hyperfine $(hyperfine --version | cut -d' ' -f2); $(date -u +%Y-%m-%d)"
for n in $SIZES; do
  compare "$n"
done
