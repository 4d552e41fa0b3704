#!/usr/bin/env bash
# Runs a command as root on a brand-new minimal Debian 12 root, in a clean
# clone of this repository: what a new machine has, and nothing that this
# machine gained by hand. CI runs the README's commands this way.
#
#   scripts/fresh-root.sh [--keep] [--refresh] [--export=DIR] [--] COMMAND [ARGS...]
#   scripts/fresh-root.sh bash scripts/test.sh
#
# The root is `debootstrap --variant=minbase bookworm` from the mirror this
# machine's apt uses, plus what the Debian installer would add that minbase
# lacks (/etc/hosts, the updates and security suites), plus what this
# machine's network asks of every machine on it: its apt Acquire settings
# (a proxy, a snapshot mirror) and its locally added certificate
# authorities (/usr/local/share/ca-certificates, e.g. an egress proxy's),
# which ca-certificates adds to the trust store when set-up installs it. Only that bare result is cached, as a tarball under
# $PLENUM_FRESH_ROOT_CACHE (default /var/cache/plenum/fresh-root), and rebuilt
# when older than 14 days or with --refresh; every run starts from a new copy
# of it, and the copy is deleted afterwards (--keep leaves it, for a look).
#
# The command runs in a mount and PID namespace of its own: /proc is that
# namespace's, /dev, /dev/pts, /dev/shm and /sys (with its submounts: the
# cgroup file systems) are bound from this machine,
# and everything the command started is killed and unmounted when it ends.
# The clone is committed HEAD: uncommitted changes are not in it. For a
# developer's own run of uncommitted work, PLENUM_FRESH_ROOT_SOURCE=DIR
# copies DIR's files that git would see (tracked and untracked, not
# ignored) instead; CI never sets it.
#
# --export=DIR binds this machine's directory DIR at /export in the root, to
# take results out of it (scripts/check-package.sh takes the built package
# out of one root and installs it into another).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache_dir=${PLENUM_FRESH_ROOT_CACHE:-/var/cache/plenum/fresh-root}
work_parent=${PLENUM_FRESH_ROOT_WORKDIR:-/var/tmp}
max_cache_age_days=14
suite=bookworm

keep=0
refresh=0
export_dir=
while (($#)); do
  case "$1" in
    --keep) keep=1 ;;
    --refresh) refresh=1 ;;
    --export=*)
      export_dir=${1#--export=}
      if [[ ! -d "$export_dir" ]]; then echo "fresh-root: --export: $export_dir is not a directory" >&2; exit 2; fi
      export_dir=$(cd "$export_dir" && pwd)
      ;;
    --) shift; break ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "fresh-root: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
if (($# == 0)); then
  echo "usage: scripts/fresh-root.sh [--keep] [--refresh] [--export=DIR] [--] COMMAND [ARGS...]" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  exec sudo --preserve-env=PLENUM_FRESH_ROOT_CACHE,PLENUM_FRESH_ROOT_WORKDIR,PLENUM_FRESH_ROOT_SOURCE "$0" \
    $( ((keep)) && echo --keep) $( ((refresh)) && echo --refresh) ${export_dir:+"--export=$export_dir"} -- "$@"
fi

say() { echo "fresh-root: $(date -u +%H:%M:%S) $*"; }

# This machine's tools for building a root (not the project's dependencies:
# those are what the command installs inside it).
for tool in debootstrap unshare git tar; do
  if ! command -v "$tool" >/dev/null; then
    say "installing debootstrap on this machine"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    break
  fi
done

# The Debian repositories this machine's apt is configured with, as
# "URI SUITE COMPONENT" lines (whatever the format of its sources files).
host_repositories() {
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' 2>/dev/null |
    awk -v suite="$suite" '$2 ~ "^" suite "(-updates|-security)?$"' | sort -u
}
repositories=$(host_repositories)
if [[ -z "$repositories" ]]; then
  apt-get update -qq
  repositories=$(host_repositories)
fi
mirror=$(awk -v suite="$suite" '$2 == suite { print $1; exit }' <<<"$repositories")
mirror=${mirror:-http://deb.debian.org/debian/}

# apt settings of this machine that concern fetching (proxies, snapshot
# mirrors whose Release files are past their Valid-Until), without its hooks.
host_acquire_settings() {
  local file
  for file in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
    [[ -f "$file" ]] || continue
    if grep -q 'Acquire::' "$file" && ! grep -qi 'Invoke' "$file"; then
      printf '// from %s on the machine that built this root\n' "$file"
      cat "$file"
    fi
  done
}

# --- The cached bare root ------------------------------------------------------

mkdir -p "$cache_dir"
cache_key=$(printf '%s %s' "$suite" "$mirror" | sha256sum | cut -c1-12)
tarball="$cache_dir/$suite-minbase-$cache_key.tar.gz"
if ((refresh)) || [[ ! -f "$tarball" ]] || [[ -n $(find "$tarball" -mtime +"$max_cache_age_days") ]]; then
  say "debootstrap --variant=minbase $suite from $mirror"
  staging=$(mktemp -d "$work_parent/plenum-debootstrap.XXXXXX")
  trap 'rm -rf --one-file-system "$staging"' EXIT
  # The Acquire settings apply to debootstrap's own downloads through the
  # environment only for proxies; pass those on.
  http_proxy=$(apt-config shell p Acquire::http::Proxy | sed -n "s/^p='\(.*\)'$/\1/p")
  export http_proxy=${http_proxy:-${HTTP_PROXY:-}}
  debootstrap --variant=minbase "$suite" "$staging/root" "$mirror" >"$staging/debootstrap.log" 2>&1 || {
    tail -n 30 "$staging/debootstrap.log" >&2
    echo "fresh-root: debootstrap failed" >&2
    exit 1
  }
  tar -C "$staging/root" --numeric-owner -czf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf --one-file-system "$staging"
  trap - EXIT
fi

# --- This run's root -------------------------------------------------------------

work=$(mktemp -d "$work_parent/plenum-fresh-root.XXXXXX")
root="$work/root"
cleanup() {
  local status=$?
  if ((keep)); then
    say "kept $root"
  elif findmnt -rn -o TARGET | grep -q "^$root"; then
    # Never delete through a mount of this machine's /dev or /sys.
    echo "fresh-root: $root still has mounts; not deleting it" >&2
  else
    rm -rf --one-file-system "$work"
  fi
  exit "$status"
}
trap cleanup EXIT

say "new root in $root"
mkdir -p "$root"
tar -C "$root" --numeric-owner -xzf "$tarball"

# What the Debian installer writes and minbase does not.
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
EOF
hostname >"$root/etc/hostname"
printf '127.0.1.1\t%s\n' "$(hostname)" >>"$root/etc/hosts"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
awk '{ printf "deb %s %s %s\n", $1, $2, $3 }' <<<"$repositories" >"$root/etc/apt/sources.list"
host_acquire_settings >"$root/etc/apt/apt.conf.d/50host-acquire"
mkdir -p "$root/usr/local/share/ca-certificates"
if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi

if [[ -n "${PLENUM_FRESH_ROOT_SOURCE:-}" ]]; then
  source_dir=$(cd "$PLENUM_FRESH_ROOT_SOURCE" && pwd)
  mkdir -p "$root/root/plenum"
  # What a commit of the work tree would hold (a file deleted but not yet
  # committed is listed and skipped); from a directory that is no git work
  # tree, everything but what builds and npm leave.
  if git -C "$source_dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$source_dir" ls-files -z -co --exclude-standard |
      tar -C "$source_dir" --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$root/root/plenum" -xf -
  else
    tar -C "$source_dir" --exclude='./build*' --exclude=node_modules --exclude=./data --exclude=./recordings \
      -cf - . | tar -C "$root/root/plenum" -xf -
  fi
  say "copy of the work tree $source_dir at /root/plenum (PLENUM_FRESH_ROOT_SOURCE); running: $*"
else
  git clone --quiet --no-hardlinks "$repo" "$root/root/plenum"
  say "clone of $(git -C "$repo" rev-parse --short HEAD) at /root/plenum; running: $*"
fi
if [[ -n "$export_dir" ]]; then
  mkdir -p "$root/export"
fi

# Only PLENUM_* settings cross into the root; the rest of the environment is
# what a root login on a new machine has.
environment=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  TERM="${TERM:-dumb}" USER=root LOGNAME=root)
while IFS='=' read -r name _; do
  [[ "$name" == PLENUM_* && "$name" != PLENUM_FRESH_ROOT_* ]] && environment+=("$name=${!name}")
done < <(env)

status=0
unshare --mount --propagation private --pid --fork --kill-child -- bash -c '
  set -euo pipefail
  root=$1 export_dir=$2; shift 2
  mount -t proc proc "$root/proc"
  for fs in /dev /dev/pts /dev/shm; do
    mkdir -p "$root$fs"
    mount --bind "$fs" "$root$fs"
  done
  # With what is mounted below it: a booted machine has its cgroup file
  # systems at /sys/fs/cgroup, and systemd-journald (e2e-journal) will not
  # start without them ("Failed to acquire cgroup root path").
  mkdir -p "$root/sys"
  mount --rbind /sys "$root/sys"
  if [[ -n "$export_dir" ]]; then mount --bind "$export_dir" "$root/export"; fi
  exec chroot "$root" /usr/bin/env -i "$@"
' fresh-root "$root" "$export_dir" "${environment[@]}" bash -c 'cd /root/plenum && exec "$@"' command "$@" || status=$?
say "command exited with status $status"
exit "$status"
