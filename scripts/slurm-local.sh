#!/usr/bin/env bash
# Start a one-node SLURM on this machine (Debian slurm-wlm + munge, as root, no systemd): munged as the munge
# user with a fresh key, a slurm.conf naming this host and its cores, then slurmctld and slurmd started directly.
# Idempotent: if `sinfo` already answers, it does nothing. Used by test/slurm.test.ts and .ci/run.
#   scripts/slurm-local.sh          install (if needed) and start
#   scripts/slurm-local.sh --check  exit 0 if a cluster answers, 1 otherwise (no changes)
set -euo pipefail

answers() { command -v sinfo >/dev/null 2>&1 && timeout 5 sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc'; }

if [[ "${1:-}" == "--check" ]]; then answers; exit $?; fi
if answers; then echo "slurm-local: a cluster already answers sinfo"; exit 0; fi
if [[ $(id -u) -ne 0 ]]; then echo "slurm-local: must run as root (it installs packages and starts daemons)" >&2; exit 1; fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

host=$(hostname -s)
cores=$(nproc)
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)

# munge: a fresh key, owned by munge, daemon run as munge.
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none; fi
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0400 /etc/munge/munge.key
chmod 0755 /run/munge
if ! pgrep -u munge -x munged >/dev/null; then su -s /bin/sh munge -c /usr/sbin/munged; fi

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat >/etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=${host}
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
NodeName=${host} CPUs=${cores} RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF

pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 1 30); do
  if answers; then echo "slurm-local: one-node cluster up on ${host} (${cores} CPUs)"; exit 0; fi
  sleep 1
done
echo "slurm-local: sinfo does not answer after 30 s; see /var/log/slurm/" >&2
sinfo >&2 || true
exit 1
