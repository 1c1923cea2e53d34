#!/usr/bin/env bash
# A single-node SLURM (munged, slurmctld, slurmd) for the tests that need a real scheduler.
#   .ci/slurm.sh install        apt-get slurm-wlm and munge when missing (as root)
#   .ci/slurm.sh start DIR      write DIR/slurm.conf, start the daemons, wait for the node;
#                               prints `export SLURM_CONF=DIR/slurm.conf` (eval it)
#   .ci/slurm.sh stop DIR       stop the daemons this script started in DIR, by pid
# Facts from issue 13: SLURM 22.05 from Debian; munged runs as the munge user; the others as root.
set -uo pipefail

log() { echo "[slurm] $*" >&2; }

as_root() {
  if [ "$(id -u)" = "0" ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

install() {
  if command -v sbatch >/dev/null 2>&1 && command -v slurmctld >/dev/null 2>&1 &&
    command -v slurmd >/dev/null 2>&1 && command -v munged >/dev/null 2>&1; then
    return 0
  fi
  log "installing slurm-wlm and munge"
  (as_root apt-get update && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y slurm-wlm munge) >&2
}

# the pid in FILE if that process is alive
live_pid() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
  local dir="$1"
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  dir="$(cd "$dir" && pwd)"
  local conf="$dir/slurm.conf"
  # ports of their own, so that a cluster (or another CI run) on this machine keeps its own
  local port=$((20000 + RANDOM % 5000))
  # batch_sched_delay=0: start a batch job at the event (submit, a job's end) that frees its CPUs.
  # SLURM's default may hold it up to 3 s for the next scheduling pass: every wave of the smoke DAG
  # waited for it (its jobs last seconds). A cluster keeps its admins' setting; `deno task bench
  # --only slurm` measures the submit → start latency there.
  cat >"$conf" <<EOF
ClusterName=alignsam-ci
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 5000))
SlurmUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=300
SchedulerParameters=batch_sched_delay=0
NodeName=localhost CPUs=$(nproc) RealMemory=16000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  # munge: one per machine; reuse a running one (then it is not ours to stop)
  if ! munge -n </dev/null >/dev/null 2>&1; then
    [ -f /etc/munge/munge.key ] || as_root mungekey --create >&2
    as_root chown munge:munge /etc/munge/munge.key && as_root chmod 400 /etc/munge/munge.key
    as_root mkdir -p /run/munge /var/log/munge /var/lib/munge
    as_root chown munge:munge /run/munge /var/log/munge /var/lib/munge
    as_root runuser -u munge -- munged --pid-file="/run/munge/munged.pid" >&2 || return 1
    cp /run/munge/munged.pid "$dir/munged.pid"
  fi
  SLURM_CONF="$conf" as_root slurmctld -f "$conf" >&2 || return 1
  SLURM_CONF="$conf" as_root slurmd -f "$conf" -N localhost >&2 || return 1
  # the node registers within a few seconds
  for _ in $(seq 1 60); do
    if SLURM_CONF="$conf" sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "export SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.5
  done
  log "the node did not become idle; see $dir/log"
  SLURM_CONF="$conf" sinfo >&2
  return 1
}

stop() {
  local dir="$1" f pid
  for f in slurmd slurmctld munged; do
    if pid="$(live_pid "$dir/$f.pid")"; then
      as_root kill "$pid"
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
  done
}

case "${1:-}" in
install) install ;;
start) start "${2:?start DIR}" ;;
stop) stop "${2:?stop DIR}" ;;
*)
  echo "usage: $0 install | start DIR | stop DIR" >&2
  exit 2
  ;;
esac
