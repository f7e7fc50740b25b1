#!/usr/bin/env bash
# A single-node Slurm cluster (slurmctld + slurmd + munge, from Debian's packages) for flow's
# tests and for trying `flow run --executor slurm` on one machine.
#
#   scripts/slurm-local.sh start    install what is missing, configure, start, wait until idle
#   scripts/slurm-local.sh stop     cancel our jobs and stop the daemons this script started
#   scripts/slurm-local.sh status   say whether it is up
#
# Needs root (the daemons do). Idempotent: `start` on a running cluster does nothing.
# Settings: FLOW_SLURM_DIR (state, logs, pids; default /tmp/flow-slurm-local),
# FLOW_SLURM_CPUS (CPUs the node advertises; default 8 so that arrays of tiny test tasks are
# not throttled to the real core count; the tasks still share the real cores).
# Written for containers without systemd or cgroups: proctrack/linuxproc, task/none.
set -euo pipefail

DIR=${FLOW_SLURM_DIR:-/tmp/flow-slurm-local}
CPUS=${FLOW_SLURM_CPUS:-8}
CONF=/etc/slurm/slurm.conf
TAG="# written by flow scripts/slurm-local.sh"
export SLURM_CONF=$CONF

say() { echo "[slurm-local] $*" >&2; }
die() { say "error: $*"; exit 1; }

# alive NAME PIDFILE: the pid file names a live (non-zombie) process called NAME.
alive() {
    local pid
    pid=$(cat "$2" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 1
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

ready() {
    local ping state
    ping=$(scontrol ping 2>/dev/null) || return 1
    [[ $ping == *UP* ]] || return 1
    state=$(sinfo -h -N -o %T 2>/dev/null | head -n1) || return 1
    [[ $state == idle || $state == mixed || $state == allocated ]]
}

start() {
    [ "$(id -u)" = 0 ] || die "must run as root (slurmctld, slurmd and munged need it)"
    if alive slurmctld "$DIR/pids/slurmctld" && alive slurmd "$DIR/pids/slurmd" && ready; then
        say "already up"; return 0
    fi
    stop >/dev/null 2>&1 || true

    if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
        say "installing slurmctld slurmd slurm-client munge (Debian packages)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null || { sleep 3; apt-get update -qq >/dev/null; }
        apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
    fi

    mkdir -p "$DIR"/{pids,log,spool,state,run}
    rm -rf "$DIR/state"/* "$DIR/log"/*
    chown slurm:slurm "$DIR/state" "$DIR/log" "$DIR/run"
    chmod 755 "$DIR" "$DIR/log"
    local p=$DIR
    while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done

    # munge: a key owned by munge with tight permissions, and a runtime dir (no systemd here).
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        mungekey --create --keyfile=/etc/munge/munge.key --force
    fi
    chown -R munge:munge /etc/munge && chmod 700 /etc/munge && chmod 400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/log/munge
    install -d -o munge -g munge -m 0711 /var/lib/munge
    if ! (munge -n </dev/null | unmunge >/dev/null) 2>/dev/null; then
        rm -f /run/munge/munged.pid /run/munge/munge.socket.2*
        runuser -u munge -- /usr/sbin/munged
        for _ in $(seq 50); do (munge -n </dev/null | unmunge >/dev/null) 2>/dev/null && break; sleep 0.1; done
        cp /run/munge/munged.pid "$DIR/pids/munged"
    fi

    local mem
    mem=$(slurmd -C 2>/dev/null | grep -o 'RealMemory=[0-9]*' | head -n1)
    [ -n "$mem" ] || die "slurmd -C did not report the node's memory"
    if [ -e "$CONF" ] && ! grep -qF "$TAG" "$CONF"; then
        die "$CONF exists and was not written by this script; move it away first"
    fi
    mkdir -p /etc/slurm
    cat >"$CONF" <<CONF
$TAG
ClusterName=flowlocal
SlurmctldHost=localhost
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/spool/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SlurmdParameters=config_overrides
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=300
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS $mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld || die "slurmctld did not start (see $DIR/log/slurmctld.log)"
    for _ in $(seq 50); do [ -s "$DIR/run/slurmctld.pid" ] && break; sleep 0.1; done
    cp "$DIR/run/slurmctld.pid" "$DIR/pids/slurmctld"
    slurmd || die "slurmd did not start (see $DIR/log/slurmd.log)"
    for _ in $(seq 50); do [ -s "$DIR/spool/slurmd.pid" ] && break; sleep 0.1; done
    cp "$DIR/spool/slurmd.pid" "$DIR/pids/slurmd"
    for _ in $(seq 300); do
        ready && { say "up: $(sinfo -h -o '%P %D %T')"; return 0; }
        sleep 0.2
    done
    tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
    die "the node did not become idle within 60 s"
}

stop() {
    if alive slurmctld "$DIR/pids/slurmctld"; then
        scancel --me >/dev/null 2>&1 || true
        sleep 0.3
    fi
    local name
    for name in slurmd slurmctld munged; do
        if alive "$name" "$DIR/pids/$name"; then
            kill "$(cat "$DIR/pids/$name")" 2>/dev/null || true
            for _ in $(seq 50); do alive "$name" "$DIR/pids/$name" || break; sleep 0.1; done
        fi
        rm -f "$DIR/pids/$name"
    done
    say "stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if ready; then say "up"; else say "down"; exit 1; fi ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
