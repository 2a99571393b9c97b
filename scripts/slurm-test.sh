#!/usr/bin/env bash
# A real Slurm test: installs Slurm and munge from Debian when missing, starts a single-node
# cluster (munged, slurmctld, slurmd; no systemd, no cgroups) in a temporary directory of its
# own, submits examples/slurm/sweep.sbatch as a 3-task job array on a small sweep, waits, merges
# the shards, checks that the merged runs equal a single-machine run of the same sweep, and shuts
# the cluster down. Needs root and the built package (npm run build). Prints "slurm test: OK".
#
# Facts it relies on: /work/shared/notes/slurm-single-node.md (socket dir 0755, key 0600, host
# name mapped to 127.0.0.1, slurmd -N, proctrack/linuxproc, no RealMemory, slurmctld -c).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cli="$repo/dist/src/cli/main.js"
[ -f "$cli" ] || { echo "slurm test: $cli missing: run npm run build first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "slurm test: needs root (daemons run as root)" >&2; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v mungekey >/dev/null; then
  echo "slurm test: installing slurm-wlm and munge from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 slurm-wlm munge >/dev/null
fi

tmp=$(mktemp -d /tmp/ntp-slurm.XXXXXX)
host=$(hostname -s 2>/dev/null || hostname)
conf="$tmp/etc/slurm.conf"
export SLURM_CONF="$conf"
mkdir -p "$tmp/etc" "$tmp/munge" "$tmp/munge-run" "$tmp/state" "$tmp/spool" "$tmp/run" "$tmp/log" "$tmp/jobs"
chmod 0755 "$tmp/munge-run"
# ports of our own, so two runs of this test (or another cluster) on one machine do not meet
port=$((20000 + ($$ % 20000)))

stop_pid() { # stop a daemon by its own pid file: TERM, then KILL after a grace period
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

ok=0
cleanup() {
  timeout 5 scontrol shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 40); do
    { [ -f "$tmp/run/slurmctld.pid" ] && kill -0 "$(cat "$tmp/run/slurmctld.pid")" 2>/dev/null; } || break
    sleep 0.1
  done
  stop_pid "$tmp/run/slurmd.pid"
  stop_pid "$tmp/run/slurmctld.pid"
  stop_pid "$tmp/munge-run/munged.pid"
  if [ "$ok" = 1 ]; then
    rm -rf "$tmp"
  else
    echo "slurm test: FAILED; logs:" >&2
    for f in "$tmp"/log/* "$tmp"/jobs/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }; done
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# munge: a key of our own, every file under $tmp
mungekey --create --keyfile="$tmp/munge/munge.key" >/dev/null
chmod 0600 "$tmp/munge/munge.key"
munged --key-file="$tmp/munge/munge.key" --socket="$tmp/munge-run/munge.socket" \
  --pid-file="$tmp/munge-run/munged.pid" --log-file="$tmp/log/munged.log" \
  --seed-file="$tmp/munge/munged.seed" --origin=127.0.0.1 --force

cpus=$(nproc)
cat >"$conf" <<EOF
ClusterName=ntptest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge-run/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ntp Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -c -f "$conf"
slurmd -N "$host" -f "$conf"

deadline() { echo $(($(date +%s) + $1)); }
until_idle=$(deadline 60)
until timeout 5 sinfo -h -o %T 2>/dev/null | grep -q -E '^(idle|mixed|allocated)'; do
  [ "$(date +%s)" -lt "$until_idle" ] || { echo "slurm test: the node did not become idle within 60 s" >&2; exit 1; }
  sleep 0.5
done

# a small sweep: 12 runs, 3 shards
sweep="$tmp/sweep.json"
echo '{ "base": { "t0": 60, "t1": 60 }, "grid": { "seed": { "from": 1, "to": 6 }, "vocab": [8, 12] } }' >"$sweep"
job=$(NTP="$(command -v node) $cli" timeout 10 sbatch --parsable --array=0-2 --chdir="$tmp" \
  --output="$tmp/jobs/%A_%a.log" "$repo/examples/slurm/sweep.sbatch" "$sweep" "$tmp/shards")
job=${job%%;*}
echo "slurm test: submitted job array $job" >&2

until_done=$(deadline 240)
while [ -n "$(timeout 5 squeue -h -j "$job" -o %i 2>/dev/null || echo pending)" ]; do
  [ "$(date +%s)" -lt "$until_done" ] || { echo "slurm test: job $job did not finish within 240 s" >&2; exit 1; }
  sleep 0.5
done

node "$cli" sweep merge "$tmp"/shards/shard-0 "$tmp"/shards/shard-1 "$tmp"/shards/shard-2 --out "$tmp/merged"
node "$cli" sweep run "$sweep" --out "$tmp/single" --workers 2 >/dev/null

# the merged shards equal the single-machine run: every run line (wall time aside) and its records
node --input-type=module - "$tmp/merged" "$tmp/single" <<'EOF'
import { readFileSync, readdirSync } from 'node:fs';
const [a, b] = process.argv.slice(2);
const lines = (d) => new Map(readFileSync(`${d}/runs.jsonl`, 'utf8').trim().split('\n').map((l) => {
  const { wallMs, ...rest } = JSON.parse(l);
  return [rest.id, JSON.stringify(rest)];
}));
const la = lines(a), lb = lines(b);
if (la.size !== 12 || lb.size !== 12) throw new Error(`expected 12 runs, got ${la.size} merged and ${lb.size} single`);
for (const [id, l] of lb) if (la.get(id) !== l) throw new Error(`run ${id} differs between the Slurm shards and the single-machine run`);
for (const f of readdirSync(`${b}/records`)) {
  if (readFileSync(`${a}/records/${f}`, 'utf8') !== readFileSync(`${b}/records/${f}`, 'utf8')) throw new Error(`records ${f} differ`);
}
EOF
tasks=$(ls "$tmp"/jobs/*.log | wc -l)
ok=1
echo "slurm test: OK (job array $job: $tasks tasks, 12 runs merged from 3 shards equal a single-machine run)"
