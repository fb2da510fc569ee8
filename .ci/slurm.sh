#!/usr/bin/env bash
# A one-node Slurm cluster on this machine for dale's Slurm tests:
#   bash .ci/slurm.sh start DIR   munged, slurmctld, slurmd; waits for the node
#   bash .ci/slurm.sh stop DIR    stops what start started, by the PIDs it wrote
# Needs root and Debian's slurm-wlm and munge (.ci/run installs them). The
# recipe is the one checked in ../shared/reference/slurm.md: the short host
# name as controller and node, proctrack/linuxproc and task/none (no
# cgroups), no accounting (sacct answers that it is disabled).
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?state directory}
case "$cmd" in
start)
  mkdir -p "$dir/state" "$dir/spool"
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey -c
    chown munge:munge /etc/munge/munge.key
    chmod 0600 /etc/munge/munge.key
  fi
  mkdir -p /run/munge && chown munge:munge /run/munge
  # A munged already running is used as it is (and left running on stop).
  if ! pgrep -x munged >/dev/null; then
    if ! su -s /bin/sh munge -c munged; then
      munged --force
    fi
    sleep 1
    pgrep -x munged | head -1 > "$dir/munged.pid"
  fi
  mkdir -p /etc/slurm
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/ctld.log
SlurmdLogFile=$dir/d.log
SlurmctldPidFile=$dir/ctld.pid
SlurmdPidFile=$dir/d.pid
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
KillWait=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld
  slurmd
  for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
      echo "slurm: node $host idle ($cpus CPUs, ${mem} MB)"
      exit 0
    fi
    sleep 1
  done
  echo "slurm: the node did not come up; logs:" >&2
  tail -n 20 "$dir/ctld.log" "$dir/d.log" >&2 || true
  exit 1
  ;;
stop)
  for f in d.pid ctld.pid munged.pid; do
    if [ -s "$dir/$f" ]; then
      kill "$(cat "$dir/$f")" 2>/dev/null || true
    fi
  done
  sleep 1
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
