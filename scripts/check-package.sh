#!/usr/bin/env bash
# Checks the Debian package (packaging/debian) on two brand-new Debian 12
# roots (scripts/fresh-root.sh), as CI does:
#   1. build: a root that gets only debian/control's Build-Depends
#      (`apt-get build-dep`) and lintian builds the package
#      (packaging/build-deb.sh), so a missing Build-Depends fails; lintian
#      fails it on any error or warning that is not overridden;
#   2. install: a second root gets it with `apt-get install ./plenum_*.deb`,
#      so a missing Depends fails; then the files, the config (mode, keys,
#      every option), the user, the unit (`systemd-analyze verify` and
#      `security` under a threshold), and the server started as the unit
#      starts it: /healthz over http and https, the API's key, a token.
#
#   scripts/check-package.sh
#
# Like fresh-root.sh, it builds committed HEAD; PLENUM_FRESH_ROOT_SOURCE=DIR
# builds a work tree instead (see fresh-root.sh). Each part says how long it
# took. Inside the roots it runs itself with --inside-build and
# --inside-install (the package travels through a directory of this machine
# bound at /export).
set -euo pipefail
cd "$(dirname "$0")/.."

# The unit's `systemd-analyze security` exposure must not get worse than this
# (it is 1.1 today; 0 is best, 10 worst).
readonly max_exposure=1.5
# The server answers within seconds of its start; a loaded machine is slower.
readonly start_timeout=${PLENUM_PACKAGE_START_TIMEOUT:-90}

fail() {
  echo "check-package: FAILED: $*" >&2
  exit 1
}
say() { echo "check-package: $(date -u +%H:%M:%S) $*"; }

# This root is thrown away after the check: dpkg need not fsync every file
# it unpacks, nor man-db index every manual page (lintian brings man-db).
# The same packages, installed faster.
fast_dpkg() {
  echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/plenum-check-unsafe-io
  echo 'man-db man-db/auto-update boolean false' | debconf-set-selections
}

inside_build() {
  fast_dpkg
  apt-get update -qq
  bash packaging/build-deb.sh --install-build-deps --out=/export || fail "the package did not build"
  local deb
  deb=$(ls /export/plenum_*.deb)
  say "installing lintian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian >/dev/null
  say "lintian $(basename "$deb")"
  # Errors and warnings fail; each tag the package accepts is in
  # packaging/debian/plenum.lintian-overrides with the reason, and shown
  # (O:). (With --show-overrides, --fail-on counts overridden tags too:
  # the verdict is read from the output instead.)
  local report
  report=$(lintian --fail-on none --display-level '>=warning' --show-overrides "$deb" 2>&1) ||
    { echo "$report" >&2; fail "lintian could not check $(basename "$deb")"; }
  echo "$report"
  ! grep -Eq '^[EW]: ' <<<"$report" || fail "lintian found errors or warnings in $(basename "$deb") (above)"
  say "lintian: no errors or warnings"
}

# GET on the server; prints the status code.
http_status() {
  curl -s -k -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true
}

ini_value() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1/p" /etc/plenum/plenum.ini | tail -n 1
}

inside_install() {
  local deb
  deb=$(ls /export/plenum_*.deb)
  # apt's download sandbox user cannot read /export.
  cp "$deb" /tmp/
  deb=/tmp/$(basename "$deb")
  say "apt-get install ./$(basename "$deb") on a fresh root"
  fast_dpkg
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/tmp/apt.log 2>&1 ||
    { tail -n 30 /tmp/apt.log >&2; fail "apt-get install of the package failed"; }

  # --- Files ---
  [[ -x /usr/bin/plenum ]] || fail "/usr/bin/plenum is not there"
  local version
  version=$(dpkg-query -W -f='${Version}' plenum)
  [[ $(/usr/bin/plenum --version) == "plenum ${version%-*}" ]] ||
    fail "plenum --version says '$(/usr/bin/plenum --version)', not 'plenum ${version%-*}'"
  for file in index.html app.js style.css watch.html watch.js node_modules/hls.js/dist/hls.min.js; do
    [[ -s /usr/share/plenum/web/$file ]] || fail "the web client's $file is not in /usr/share/plenum/web"
  done
  [[ -f /lib/systemd/system/plenum.service ]] || fail "/lib/systemd/system/plenum.service is not there"

  # --- User and directories ---
  getent passwd plenum >/dev/null || fail "no user plenum"
  [[ $(getent passwd plenum | cut -d: -f6,7) == /var/lib/plenum:/usr/sbin/nologin ]] ||
    fail "user plenum: home and shell are $(getent passwd plenum | cut -d: -f6,7)"
  [[ $(stat -c '%U:%G %a' /var/lib/plenum) == "plenum:plenum 750" ]] ||
    fail "/var/lib/plenum is $(stat -c '%U:%G %a' /var/lib/plenum), not plenum:plenum 750"

  # --- Configuration ---
  local config=/etc/plenum/plenum.ini
  [[ $(stat -c '%U:%G %a' "$config") == "root:plenum 640" ]] ||
    fail "$config is $(stat -c '%U:%G %a' "$config"), not root:plenum 640"
  local api_key token_secret
  api_key=$(ini_value api-key)
  token_secret=$(ini_value token-secret)
  [[ $api_key =~ ^[0-9a-f]{64}$ ]] || fail "$config: api-key was not generated"
  [[ $token_secret =~ ^[0-9a-f]{64}$ ]] || fail "$config: token-secret was not generated"
  [[ $api_key != "$token_secret" ]] || fail "$config: api-key and token-secret are the same"
  # Every server option of `plenum --help` is written out in the packaged
  # config (set, or commented out where it has no default).
  local option missing=()
  for option in $(plenum --help | sed -n 's/^ *\(-[a-z], \)\?--\([a-z0-9-]*\)=.*/\2/p'); do
    # (Not the subcommands' options, nor the daemon options of Poco's ServerApplication.)
    case "$option" in config | room | name | ttl | public-key | umask | pidfile) continue ;; esac
    grep -Eq "^(; )?$option =" /usr/share/plenum/plenum.ini || missing+=("$option")
  done
  ((${#missing[@]} == 0)) || fail "/usr/share/plenum/plenum.ini lacks the options: ${missing[*]} (add them to packaging/debian/plenum.ini)"
  # postinst again (as at an upgrade) changes nothing that is set, and
  # dpkg-reconfigure fills in a key that an admin emptied (the README's way
  # to have a new one made), leaving the other alone.
  local before
  before=$(sha256sum "$config")
  DEBIAN_FRONTEND=noninteractive dpkg-reconfigure plenum || fail "dpkg-reconfigure plenum failed"
  [[ $(sha256sum "$config") == "$before" ]] || fail "postinst changed $config on a second run"
  sed -i 's/^api-key = .*/api-key =/' "$config"
  DEBIAN_FRONTEND=noninteractive dpkg-reconfigure plenum ||
    fail "dpkg-reconfigure plenum failed"
  [[ $(ini_value token-secret) == "$token_secret" ]] || fail "postinst changed a token-secret that was set"
  [[ $(ini_value api-key) =~ ^[0-9a-f]{64}$ && $(ini_value api-key) != "$api_key" ]] ||
    fail "postinst did not fill in an emptied api-key"
  api_key=$(ini_value api-key)
  [[ $(stat -c '%U:%G %a' "$config") == "root:plenum 640" ]] || fail "postinst left $config $(stat -c '%U:%G %a' "$config")"
  say "files, user, $config (mode, generated keys, every option, postinst idempotent): ok"

  # --- The unit (tools for the check only, after the package's own Depends
  # were proven) ---
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd curl openssl socat >/tmp/apt.log 2>&1 ||
    { tail -n 30 /tmp/apt.log >&2; fail "could not install the check's tools (systemd, curl, openssl, socat)"; }
  # man is not on this root: the unit's man: documentation is not checked.
  systemd-analyze verify --man=no /lib/systemd/system/plenum.service ||
    fail "systemd-analyze verify found problems in plenum.service (above)"
  local security exposure
  security=$(systemd-analyze security --offline=true /lib/systemd/system/plenum.service 2>&1) ||
    { echo "$security" >&2; fail "systemd-analyze security failed"; }
  exposure=$(sed -n 's/.*Overall exposure level for plenum.service: \([0-9.]*\).*/\1/p' <<<"$security")
  [[ -n "$exposure" ]] || { echo "$security" >&2; fail "no exposure level from systemd-analyze security"; }
  awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }' ||
    { grep '✗' <<<"$security" >&2; fail "plenum.service's exposure level is $exposure, above $max_exposure"; }
  say "plenum.service: systemd-analyze verify clean, exposure level $exposure (at most $max_exposure)"

  # --- The server, as the unit starts it: user plenum, its groups, in
  # /var/lib/plenum, umask 0027, no privileges, a clean environment, and
  # systemd's notification socket and watchdog period (Type=notify,
  # WatchdogSec=; socat stands for systemd). Free ports instead of 8080 and
  # 8443: this root shares the machine's network.
  local log=/tmp/plenum.log notify_socket=/tmp/plenum-notify.sock notify_log=/tmp/plenum-notify.log
  socat -u "UNIX-RECV:$notify_socket,perm=0666" "OPEN:$notify_log,creat,append" &
  local listener=$!
  local tries=0
  until [[ -S $notify_socket ]]; do
    ((++tries < 50)) || fail "socat did not make $notify_socket"
    sleep 0.1
  done
  (
    cd /var/lib/plenum
    umask 0027
    exec setsid setpriv --reuid=plenum --regid=plenum --init-groups --inh-caps=-all --no-new-privs \
      env -i HOME=/var/lib/plenum PATH=/usr/bin:/bin LANG=C.UTF-8 \
      NOTIFY_SOCKET="$notify_socket" WATCHDOG_USEC=2000000 \
      /usr/bin/plenum --config=/etc/plenum/plenum.ini --port=0 --tls-port=0
  ) >"$log" 2>&1 &
  local server=$!
  trap 'kill -KILL '"$server $listener"' 2>/dev/null || true' EXIT
  local deadline=$((SECONDS + start_timeout)) http_port='' https_port=''
  until [[ -n "$http_port" && -n "$https_port" ]]; do
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; fail "the packaged server exited before listening (its log is above)"; }
    ((SECONDS < deadline)) || { cat "$log" >&2; fail "the packaged server did not listen within ${start_timeout}s"; }
    sleep 0.5
    http_port=$(sed -n 's|^plenum: listening on http://[^ ]*:\([0-9]*\)$|\1|p' "$log")
    https_port=$(sed -n 's|^plenum: listening on https://[^ ]*:\([0-9]*\)$|\1|p' "$log")
  done
  until [[ $(http_status "http://127.0.0.1:$http_port/healthz") == 200 &&
    $(http_status "https://127.0.0.1:$https_port/healthz") == 200 ]]; do
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; fail "the packaged server exited (its log is above)"; }
    ((SECONDS < deadline)) || { cat "$log" >&2; fail "/healthz did not answer 200 over http and https within ${start_timeout}s"; }
    sleep 0.5
  done
  grep '^plenum: ' "$log" || true
  say "/healthz answers 200 over http ($http_port) and https ($https_port)"
  # (The datagrams land in the file one after the other, without separators.)
  deadline=$((SECONDS + 10))
  until grep -q 'READY=1' "$notify_log" && [[ $(grep -o 'WATCHDOG=1' "$notify_log" | wc -l) -ge 2 ]]; do
    ((SECONDS < deadline)) || fail "in 10 s of answering, the server sent $(grep -o 'READY=1' "$notify_log" | wc -l) READY=1 and $(grep -o 'WATCHDOG=1' "$notify_log" | wc -l) WATCHDOG=1, not one and two (plenum.service is Type=notify with WatchdogSec=; WATCHDOG_USEC was 2 s)"
    sleep 0.5
  done
  say "READY=1 sent once listening, WATCHDOG=1 every second"
  [[ $(stat -c '%U' /var/lib/plenum/tls/key.pem 2>/dev/null) == plenum ]] ||
    fail "the server did not keep its certificate's key in /var/lib/plenum/tls as user plenum"

  local status
  status=$(http_status "http://127.0.0.1:$http_port/api/v1/rooms")
  [[ $status == 401 ]] || fail "/api/v1/rooms without the key answered $status, not 401"
  printf 'Authorization: Bearer %s\n' "$api_key" >/tmp/auth-header
  status=$(http_status -H @/tmp/auth-header "http://127.0.0.1:$http_port/api/v1/rooms")
  [[ $status == 200 ]] || fail "/api/v1/rooms with the ini's api-key answered $status, not 200"
  status=$(http_status -H @/tmp/auth-header "https://127.0.0.1:$https_port/api/v1/rooms")
  [[ $status == 200 ]] || fail "/api/v1/rooms over https with the ini's api-key answered $status, not 200"
  say "/api/v1/rooms: 401 without the key, 200 with the ini's api-key"

  # A token minted from the config is an HS256 JWT signed with its secret.
  local token signature expected
  token=$(plenum token --config=/etc/plenum/plenum.ini --room=check --name=Admin) || fail "plenum token failed"
  [[ $token =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || fail "plenum token printed '$token', not a JWT"
  signature=${token##*.}
  expected=$(printf '%s' "${token%.*}" | openssl dgst -sha256 -mac HMAC -macopt "key:$token_secret" -binary |
    openssl base64 -A | tr '+/' '-_' | tr -d '=')
  [[ $signature == "$expected" ]] || fail "plenum token's signature is not HS256 with the ini's token-secret"
  say "plenum token --config=/etc/plenum/plenum.ini: signed with the ini's token-secret"

  kill -TERM "$server"
  local stop_deadline=$((SECONDS + 20))
  while kill -0 "$server" 2>/dev/null; do
    ((SECONDS < stop_deadline)) || { cat "$log" >&2; fail "the server did not stop within 20 s of SIGTERM"; }
    sleep 0.2
  done
  wait "$server" && status=0 || status=$?
  kill "$listener" 2>/dev/null || true
  trap - EXIT
  ((status == 0)) || { tail -n 20 "$log" >&2; fail "the server exited with status $status on SIGTERM"; }
  say "the server stopped cleanly on SIGTERM"
}

case "${1:-}" in
  --inside-build) inside_build; exit ;;
  --inside-install) inside_install; exit ;;
  "") ;;
  *) echo "usage: scripts/check-package.sh" >&2; exit 2 ;;
esac

if [[ $(id -u) -ne 0 ]]; then
  exec sudo --preserve-env=PLENUM_FRESH_ROOT_CACHE,PLENUM_FRESH_ROOT_WORKDIR,PLENUM_FRESH_ROOT_SOURCE "$0" "$@"
fi
exported=$(mktemp -d "${PLENUM_FRESH_ROOT_WORKDIR:-/var/tmp}/plenum-package.XXXXXX")
trap 'rm -rf --one-file-system "$exported"' EXIT

started=$SECONDS
bash scripts/fresh-root.sh --export="$exported" -- bash scripts/check-package.sh --inside-build ||
  fail "building the package on a fresh root"
built=$SECONDS
say "part 1 (build and lintian on a fresh root) took $((built - started)) s: $(cd "$exported" && ls *.deb | tr '\n' ' ')"
bash scripts/fresh-root.sh --export="$exported" -- bash scripts/check-package.sh --inside-install ||
  fail "installing and running the package on a fresh root"
say "part 2 (install and run on a fresh root) took $((SECONDS - built)) s"
say "the package builds, is lintian-clean, installs and serves ($((SECONDS - started)) s in all)"
