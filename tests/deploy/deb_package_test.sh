#!/usr/bin/env bash
# The Debian packages of this build, end to end.
#   Always: cpack builds wno-host_<v>_<arch>.deb and wno-host-dev_<v>_all.deb;
#   their file lists, Depends (from dpkg-shlibdeps) and conffiles are as
#   documented; lintian reports no errors; systemd-analyze verify accepts
#   the unit (against the unpacked package).
#   Then, only where installing packages on this machine is allowed (root,
#   and CI=true or WNO_TEST_INSTALL_DEB=1; otherwise the test says so and
#   stops there): dpkg -i both; the installed wno-host runs the installed
#   config from / (no checkout) and answers /readyz and /admin/plugins; the
#   SDK template builds out of tree against the installed -dev package and
#   the installed host loads it; dpkg --purge leaves nothing behind.
# Usage: deb_package_test.sh <build dir> <source dir>
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
host_pid=""
installed=""
cleanup() {
  if [[ -n "$host_pid" ]]; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
  if [[ -n "$installed" ]]; then dpkg --purge wno-host-dev wno-host > "$work/purge-on-exit.log" 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date +%s.%N | cut -c1-14))"; }

step "cpack"
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/out" > "$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
runtime="$work/out/wno-host_${version}_${arch}.deb"
dev="$work/out/wno-host-dev_${version}_all.deb"
[[ -f "$runtime" && -f "$dev" ]] || { ls -l "$work/out"; fail "expected $(basename "$runtime") and $(basename "$dev")"; }

step "contents"
dpkg-deb -c "$runtime" | awk '{print $6}' | sed 's|^\./|/|' > "$work/runtime.files"
dpkg-deb -c "$dev" | awk '{print $6}' | sed 's|^\./|/|' > "$work/dev.files"
echo "--- $(basename "$runtime"):"; grep -v '/$' "$work/runtime.files"
echo "--- $(basename "$dev"):"; grep -v '/$' "$work/dev.files"
for f in /usr/bin/wno-host /usr/lib/wno/plugins/wno_memory_cache.so /usr/lib/wno/plugins/wno_sqlite.so \
         /usr/lib/wno/plugins/wno_postgres.so /usr/lib/wno/plugins/wno_redis.so /etc/wno/wno.json \
         /lib/systemd/system/wno-host.service /usr/share/wno/schema.json /usr/share/wno/config/default.json \
         /usr/share/wno/config/production.example.json /usr/share/wno/prometheus/wno.rules.yml \
         /usr/share/wno/grafana/wno-dashboard.json /usr/share/doc/wno-host/copyright \
         /usr/share/doc/wno-host/changelog.gz /usr/share/doc/wno-host/operations.md; do
  grep -qx "$f" "$work/runtime.files" || fail "wno-host lacks $f"
done
for f in /usr/include/wno/plugin.h /usr/include/wno/sdk/sdk.hpp /usr/share/cmake/WnoSdk/WnoSdkConfig.cmake \
         /usr/share/cmake/WnoSdk/WnoAddPlugin.cmake /usr/share/doc/wno-host-dev/copyright; do
  grep -qx "$f" "$work/dev.files" || fail "wno-host-dev lacks $f"
done
if grep -E '^/usr/(include|share/cmake)/' "$work/runtime.files" | grep -qv '/$'; then fail "headers in the runtime package"; fi
if grep -E '^/usr/(bin|lib)/' "$work/dev.files" | grep -qv '/$'; then fail "binaries in the -dev package"; fi

step "control"
dpkg-deb -f "$runtime" Package Version Architecture Depends Suggests
depends=$(dpkg-deb -f "$runtime" Depends)
for lib in libpoco libpq libhiredis libsqlite3 libsystemd0 libc6 libstdc; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib (dpkg-shlibdeps): $depends"
done
dpkg-deb --ctrl-tarfile "$runtime" | tar -xO ./conffiles > "$work/conffiles"
grep -qx /etc/wno/wno.json "$work/conffiles" || fail "/etc/wno/wno.json is not a conffile"

step "lintian"
# Errors fail; warnings are shown. Sanitized test builds link libasan, which
# lintian does not mind; a release build comes from scripts/package.sh.
lintian --fail-on error --tag-display-limit 0 "$runtime" "$dev" 2>&1 | tee "$work/lintian.log" ||
  fail "lintian found errors"
echo "lintian: $(grep -c '^E:' "$work/lintian.log" || true) errors, $(grep -c '^W:' "$work/lintian.log" || true) warnings"

step "systemd-analyze verify"
mkdir -p "$work/root" "$work/unit"
dpkg-deb -x "$runtime" "$work/root"
# The packaged unit, with ExecStart pointing into the unpacked tree (verify
# checks that the binary exists); the installed one is verified again below.
sed "s|^ExecStart=/usr/bin/wno-host|ExecStart=$work/root/usr/bin/wno-host|" \
  "$work/root/lib/systemd/system/wno-host.service" > "$work/unit/wno-host.service"
verify_unit() {
  systemd-analyze verify "$1" > "$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "systemd-analyze verify $1 failed"; }
  if grep -q 'wno-host' "$work/verify.log"; then cat "$work/verify.log"; fail "systemd-analyze verify complained about $1"; fi
  echo "systemd-analyze verify $1: ok"
}
verify_unit "$work/unit/wno-host.service"
# Hardening: systemd's own exposure score (0 best .. 10), kept at "OK" or better.
systemd-analyze security --offline=yes --threshold=30 "$work/unit/wno-host.service" > "$work/security.log" 2>&1 ||
  { tail -20 "$work/security.log"; fail "systemd-analyze security: exposure above 3.0"; }
grep 'Overall exposure' "$work/security.log"

if [[ $(id -u) -ne 0 || ( "${CI:-}" != "true" && "${WNO_TEST_INSTALL_DEB:-}" != "1" ) ]]; then
  echo "not installing: set WNO_TEST_INSTALL_DEB=1 as root (CI=true does) to install, run and purge the packages"
  exit 0
fi
if dpkg-query -W -f='${Status}' wno-host 2>/dev/null | grep -q 'install ok installed'; then
  fail "wno-host is already installed on this machine; not touching it"
fi

step "dpkg -i"
installed=yes
dpkg -i "$runtime" "$dev" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i failed"; }
[[ -x /usr/bin/wno-host ]] || fail "/usr/bin/wno-host not installed"

step "run the installed host"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# From /, as the unit runs it (but as root, without systemd): nothing of the checkout.
(cd / && exec /usr/bin/wno-host --config @default --config /etc/wno/wno.json --set /http/port=$port \
   --set /log/level=warn > "$work/host.out" 2> "$work/host.err") &
host_pid=$!
ready=""
for _ in $(seq 1 300); do
  if curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1; then ready=yes; break; fi
  kill -0 "$host_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$ready" ]] || { cat "$work/host.err"; fail "the installed host did not become ready"; }
curl -sf "http://127.0.0.1:$port/admin/plugins" > "$work/plugins.json"
python3 - "$work/plugins.json" <<'PY'
import json, sys
plugins = {p["name"]: p for p in json.load(open(sys.argv[1]))["plugins"]}
want = {"memory_cache", "system_probes", "sqlite", "process_content", "send_notification",
        "verify_token_holdings", "compute_user_stats"}
missing = want - plugins.keys()
if missing:
    sys.exit(f"installed host lacks plugins {sorted(missing)}; has {sorted(plugins)}")
for p in plugins.values():
    if not p.get("path", "/usr/lib/wno/plugins/").startswith("/usr/lib/wno/plugins/"):
        sys.exit(f"plugin {p['name']} loaded from {p['path']}, not /usr/lib/wno/plugins")
print("installed host serves plugins:", ", ".join(sorted(plugins)))
PY
[[ -f /var/lib/wno/wno.db && -f /var/lib/wno/jobs.db ]] || fail "state not in /var/lib/wno (the /etc/wno/wno.json overlay)"
kill -TERM "$host_pid"
wait "$host_pid" || fail "the installed host did not exit 0 on SIGTERM"
host_pid=""
/usr/bin/wno-host --config @default --config /etc/wno/wno.json --set /log/level=warn --validate-config
verify_unit /lib/systemd/system/wno-host.service

step "out-of-tree plugin against the installed wno-host-dev"
cp -r "$src/sdk/template" "$work/template"
cmake -S "$work/template" -B "$work/template-build" -G Ninja > "$work/template.log" 2>&1 &&
  cmake --build "$work/template-build" >> "$work/template.log" 2>&1 || { cat "$work/template.log"; fail "template build"; }
cat > "$work/hello.json" <<JSON
{"plugins": {"directories": ["$work/template-build"], "load": [{"name": "hello"}]},
 "health": {"probes": [{"name": "hello", "type": "hello", "config": {}}]}}
JSON
/usr/bin/wno-host --config @default --config /etc/wno/wno.json --config "$work/hello.json" --set /log/level=warn --list-plugins |
  tee "$work/list.txt"
grep -q "^hello " "$work/list.txt" || fail "the installed host did not load the template plugin"
grep -q "^sqlite .*/usr/lib/wno/plugins/wno_sqlite.so" "$work/list.txt" || fail "shipped plugins not listed"

step "dpkg --purge"
dpkg --purge wno-host-dev wno-host > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge failed"; }
installed=""
for f in /usr/bin/wno-host /usr/lib/wno /etc/wno /var/lib/wno /usr/include/wno /usr/share/cmake/WnoSdk \
         /lib/systemd/system/wno-host.service /usr/share/wno; do
  [[ ! -e "$f" ]] || fail "$f left behind after purge"
done
step "done"
