#!/usr/bin/env bash
# Process-level benchmarks for docs/performance.md (never run by `cargo test`):
#
#   1. `clowd2helm convert` from process start to files written, for Koku 2026-08-14 and for Koku
#      scaled 1×, 10×, 100× (deployments and parameters, benches/support/scale.rs);
#   2. peak resident memory of each conversion (`/usr/bin/time -v`);
#   3. `helm template` of the generated Koku chart against `helm template` of a chart holding the
#      same rendered manifests as static files (Helm's floor: parsing and printing, no templating).
#
# Usage: benches/run.sh [WORKDIR]    (default: a fresh temporary folder, kept and printed)
# Needs: cargo; hyperfine (installed with apt-get when missing and possible, else a plain timing
# loop is used); GNU time (/usr/bin/time); helm at .tools/bin/helm (scripts/install-tools.sh).
# The in-memory stage breakdown is `cargo bench --bench convert`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-$(mktemp -d /tmp/clowd2helm-bench.XXXXXX)}
mkdir -p "$WORK"
KOKU=${CLOWD2HELM_UPSTREAM_KOKU:-$ROOT/../shared/upstream/koku}/clowdapp-2026-08-14.yaml
RUNS=${RUNS:-20}

log() { printf '%s\n' "$*" >&2; }

# --- tools ------------------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing hyperfine (Debian package)"
        apt-get install -y -qq hyperfine >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hyperfine >/dev/null 2>&1; } || true
    fi
fi
HAVE_HYPERFINE=$(command -v hyperfine >/dev/null 2>&1 && echo 1 || echo 0)
if [ ! -x /usr/bin/time ]; then
    log "GNU time (/usr/bin/time) is needed for peak memory: apt-get install time"
    exit 1
fi
HELM=${CLOWD2HELM_TOOLS_DIR:-$ROOT/.tools}/bin/helm
if [ ! -x "$HELM" ]; then
    log "helm not found at $HELM: running scripts/install-tools.sh"
    scripts/install-tools.sh >/dev/null
fi

log "building (release)"
cargo build --release --quiet
cargo build --release --quiet --example scale_clowdapp
BIN=$ROOT/target/release/clowd2helm
SCALE=$ROOT/target/release/examples/scale_clowdapp

# --- helpers ----------------------------------------------------------------------------------
# mean_ms NAME PREPARE COMMAND...: "mean stddev min" wall time in ms over $RUNS runs (after 3
# warm-up runs); PREPARE runs before each run, outside the timing ("true" for nothing).
mean_ms() {
    local name=$1 prepare=$2
    shift 2
    if [ "$HAVE_HYPERFINE" = 1 ]; then
        hyperfine -N --style none --warmup 3 --runs "$RUNS" --prepare "$prepare" --export-json "$WORK/$name.json" -- "$*" >/dev/null 2>>"$WORK/hyperfine.log"
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f %.1f %.1f" % (r["mean"]*1e3, r["stddev"]*1e3, r["min"]*1e3))' "$WORK/$name.json"
    else
        local i t0 t1
        for i in 1 2 3; do sh -c "$prepare"; "$@" >/dev/null 2>&1; done
        for i in $(seq "$RUNS"); do
            sh -c "$prepare"
            t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
            echo $(((t1 - t0) / 1000))
        done | python3 -c 'import sys,statistics as s; v=[int(x)/1e3 for x in sys.stdin]; print("%.1f %.1f %.1f" % (s.mean(v), s.stdev(v), min(v)))'
    fi
}

# peak_mib COMMAND...: maximum resident set size in MiB.
peak_mib() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ { printf "%.1f\n", $2 / 1024 }'
}

# --- machine ----------------------------------------------------------------------------------
echo "## Machine"
echo
echo "- nproc: $(nproc)"
echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "- kernel: $(uname -r); $(rustc --version); helm $("$HELM" version --template '{{.Version}}')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- timing: $([ "$HAVE_HYPERFINE" = 1 ] && hyperfine --version || echo 'shell loop (hyperfine missing)'), $RUNS runs after 3 warm-up runs, no shell in between"
echo

# --- inputs -----------------------------------------------------------------------------------
cp "$KOKU" "$WORK/koku-2026-08-14.yaml"
for f in 1 10 100; do
    "$SCALE" "$KOKU" "$f" >"$WORK/koku-${f}x.yaml"
done

# --- convert: process start to files written --------------------------------------------------
echo "## convert (process start to files written, into a folder that does not exist yet)"
echo
echo "Disk: the work folder ($(df --output=fstype "$WORK" | tail -1)). tmpfs: /dev/shm, which takes the file system's cost"
echo "of creating thousands of files out of the measurement."
echo
echo "| input | size KiB | disk mean ms | stddev | min | tmpfs mean ms | stddev | min | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
declare -A MEAN
SHM=/dev/shm/clowd2helm-bench.$$
for name in koku-2026-08-14 koku-1x koku-10x koku-100x; do
    in=$WORK/$name.yaml
    out=$WORK/chart-$name
    read -r mean sd min < <(mean_ms "convert-$name" "rm -rf $out" "$BIN" convert "$in" -o "$out")
    if [ -d /dev/shm ]; then
        read -r tmean tsd tmin < <(mean_ms "convert-$name-tmpfs" "rm -rf $SHM" "$BIN" convert "$in" -o "$SHM")
        rm -rf "$SHM"
        MEAN[$name]=$tmean
    else
        read -r tmean tsd tmin <<<"- - -"
        MEAN[$name]=$mean
    fi
    rm -rf "$out"
    mem=$(peak_mib "$BIN" convert "$in" -o "$out")
    echo "| $name | $(($(stat -c %s "$in") / 1024)) | $mean | $sd | $min | $tmean | $tsd | $tmin | $mem |"
done
echo
python3 - "${MEAN[koku-1x]}" "${MEAN[koku-10x]}" "${MEAN[koku-100x]}" <<'PY'
import sys
t1, t10, t100 = map(float, sys.argv[1:])
print("Growth (tmpfs means where available): 10× input takes %.1f× the 1× time (%.2f of linear), 100× takes %.1f× the 10× time (%.2f of linear), 100× takes %.1f× the 1× time (%.2f of linear)." % (t10 / t1, t10 / t1 / 10, t100 / t10, t100 / t10 / 10, t100 / t1, t100 / t1 / 100))
PY
echo

# --- helm template: generated chart vs static floor -------------------------------------------
GEN=$WORK/chart-koku-2026-08-14
STATIC=$WORK/static-koku
"$HELM" template koku "$GEN" >"$WORK/rendered.yaml"
rm -rf "$STATIC"
mkdir -p "$STATIC/templates"
cp "$GEN/Chart.yaml" "$STATIC/Chart.yaml"
# The rendered manifests as one static template; a literal `{{` would be read as an action.
sed 's/{{/{{"{{"}}/g' "$WORK/rendered.yaml" >"$STATIC/templates/manifests.yaml"
"$HELM" template koku "$STATIC" >"$WORK/rendered-static.yaml"
if ! cmp -s <(grep -v '^# Source:' "$WORK/rendered.yaml") <(grep -v '^# Source:' "$WORK/rendered-static.yaml"); then
    log "warning: the static chart does not render the same manifests"
fi
read -r gmean gsd gmin < <(mean_ms helm-generated true "$HELM" template koku "$GEN")
read -r smean ssd smin < <(mean_ms helm-static true "$HELM" template koku "$STATIC")
gmem=$(peak_mib "$HELM" template koku "$GEN")
smem=$(peak_mib "$HELM" template koku "$STATIC")
echo "## helm template (Koku 2026-08-14)"
echo
echo "| chart | templates | mean ms | stddev ms | min ms | peak RSS MiB |"
echo "|---|---|---|---|---|---|"
echo "| generated by clowd2helm | $(find "$GEN/templates" -type f | wc -l) files, $(($(cat "$GEN"/templates/* | wc -c) / 1024)) KiB | $gmean | $gsd | $gmin | $gmem |"
echo "| static floor (same manifests, no templating) | 1 file, $(($(stat -c %s "$STATIC/templates/manifests.yaml") / 1024)) KiB | $smean | $ssd | $smin | $smem |"
echo
python3 -c 'import sys; g, s = map(float, sys.argv[1:]); print("Generated chart renders in %.2f× the static floor." % (g / s))' "$gmean" "$smean"
echo
log "inputs, charts and raw timings kept in $WORK"
