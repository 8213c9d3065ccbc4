//! External test tools (helm, kubectl, kubernetes-validate), installed on
//! first use by `scripts/install-tools.sh` into `.tools/` (or into
//! `$CLOWD2HELM_TOOLS_DIR`).
//!
//! Include from an integration test with
//!
//! ```ignore
//! #[path = "common/tools.rs"]
//! mod tools;
//! ```
//!
//! The install script runs at most once per test process; concurrent test
//! processes are serialised by the script's own `flock`.
#![allow(dead_code)]

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

struct Tools {
    helm: PathBuf,
    kubectl: PathBuf,
    kubernetes_validate: PathBuf,
    envoy: PathBuf,
    k8s_schema_version: String,
}

static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();

/// Absolute path of `.tools/bin/helm` (helm v4), installing it if needed.
pub fn helm() -> PathBuf {
    tools().helm.clone()
}

/// Absolute path of `.tools/bin/kubectl`, installing it if needed.
pub fn kubectl() -> PathBuf {
    tools().kubectl.clone()
}

/// Absolute path of `.tools/bin/kubernetes-validate`, installing it if needed.
pub fn kubernetes_validate() -> PathBuf {
    tools().kubernetes_validate.clone()
}

/// `verify` with nothing after the chart.
pub const NO_ARGS: &[&str] = &[];

/// `clowd2helm verify TEMPLATE CHART` judged with these tools, then `args` (values, `--closed`...).
pub fn verify<S: AsRef<std::ffi::OsStr>>(template: &Path, chart: &Path, args: &[S]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
        .arg("verify")
        .arg(template)
        .arg(chart)
        .arg("--helm")
        .arg(helm())
        .arg("--kubernetes-validate")
        .arg(kubernetes_validate())
        .args(args)
        .output()
        .unwrap()
}

/// Absolute path of `.tools/bin/envoy` (the Envoy proxy), installing it if needed.
pub fn envoy() -> PathBuf {
    tools().envoy.clone()
}

/// The Kubernetes version (e.g. "1.35.0") whose schemas `validate_manifests`
/// uses; pinned as `K8S_SCHEMA_VERSION` in `scripts/install-tools.sh`.
pub fn k8s_schema_version() -> &'static str {
    &tools().k8s_schema_version
}

/// Validates the built-in Kubernetes objects in a multi-document YAML stream
/// with `kubernetes-validate --strict` (unknown fields are errors) against
/// `k8s_schema_version()`.
///
/// Only built-in API groups are checked: the core group (`v1`), groups
/// without a dot (`apps`, `batch`, `autoscaling`, `policy`, ...) and the
/// built-in `*.k8s.io` groups `verify` knows (`clowd2helm::verify::validate::is_builtin`). Documents of
/// any other group (CRDs such as keda.sh ScaledObject, monitoring.coreos.com
/// ServiceMonitor, kafka.strimzi.io KafkaTopic) are skipped. A built-in
/// apiVersion/kind pair that has no schema (a misspelt kind, an API removed
/// in that Kubernetes version) is an error, whereas kubernetes-validate on
/// its own only warns about it and exits 0.
pub fn validate_manifests(yaml: &str) -> Result<(), String> {
    let docs: Vec<&str> = split_documents(yaml)
        .into_iter()
        .filter(|doc| match top_level_scalar(doc, "apiVersion") {
            Some(api_version) => clowd2helm::verify::validate::is_builtin(&api_version),
            // No apiVersion at the top level: let the validator report it.
            None => has_content(doc),
        })
        .collect();
    if docs.is_empty() {
        return Ok(());
    }
    let mut filtered = String::new();
    for doc in &docs {
        filtered.push_str("---\n");
        filtered.push_str(doc);
        if !doc.ends_with('\n') {
            filtered.push('\n');
        }
    }

    let version = k8s_schema_version();
    let path = write_temp_file(&filtered)?;
    let output = Command::new(kubernetes_validate())
        .arg("--strict")
        .arg("--quiet")
        .arg("--kubernetes-version")
        .arg(version)
        .arg(&path)
        .output();
    let _ = fs::remove_file(&path);
    let output = output.map_err(|e| format!("cannot run kubernetes-validate: {e}"))?;

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // With --quiet, passing resources print nothing; anything that starts
    // with WARN (no schema), ERROR or FATAL is a failure.
    let complained = stdout.lines().chain(stderr.lines()).any(|line| {
        line.starts_with("WARN") || line.starts_with("ERROR") || line.starts_with("FATAL")
    });
    if output.status.success() && !complained {
        return Ok(());
    }
    Err(format!(
        "kubernetes-validate --strict --kubernetes-version {version} rejected the manifests ({}):\n{stdout}{stderr}",
        output.status
    ))
}


/// Splits a YAML stream on `---` / `...` lines at column 0.
fn split_documents(yaml: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_marker = |m: &str| {
            bare == m || bare.starts_with(&format!("{m} ")) || bare.starts_with(&format!("{m}\t"))
        };
        if is_marker("---") || is_marker("...") {
            docs.push(&yaml[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    docs.push(&yaml[start..]);
    docs.into_iter().filter(|d| has_content(d)).collect()
}

fn has_content(doc: &str) -> bool {
    doc.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    })
}

/// The value of a block-style top-level `key: value` line, unquoted.
fn top_level_scalar(doc: &str, key: &str) -> Option<String> {
    for line in doc.lines() {
        let rest = line
            .strip_prefix(key)
            .and_then(|r| r.trim_start_matches(' ').strip_prefix(':'));
        let Some(rest) = rest else { continue };
        let mut value = rest.trim();
        if let Some(i) = value.find(" #") {
            value = value[..i].trim_end();
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        return Some(value.to_string());
    }
    None
}

fn write_temp_file(contents: &str) -> Result<PathBuf, String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    loop {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = dir.join(format!(
            "clowd2helm-validate-{}-{}-{}.yaml",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        ));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                return file
                    .write_all(contents.as_bytes())
                    .map(|()| path.clone())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
}

fn tools() -> &'static Tools {
    match TOOLS.get_or_init(install) {
        Ok(tools) => tools,
        Err(message) => panic!("{message}"),
    }
}

fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| dir.join("scripts/install-tools.sh").is_file())
        .unwrap_or(manifest_dir)
        .to_path_buf()
}

fn install() -> Result<Tools, String> {
    let root = repo_root();
    let script = root.join("scripts/install-tools.sh");
    // The installer's progress (what it downloads, sizes, how far it got) goes straight to the
    // terminal: libtest does not capture a child's stderr, so a first `cargo test` shows it.
    let output = Command::new("bash")
        .arg(&script)
        .current_dir(&root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = "(printed above)";
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}); the tests need helm and kubernetes-validate. Its messages are printed above.\n--- stdout ---\n{stdout}",
            script.display(),
            output.status
        ));
    }
    let value = |key: &str| -> Result<String, String> {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "{} printed no `{key}=` line.\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
                    script.display()
                )
            })
    };
    let tools_dir = PathBuf::from(value("tools-dir")?);
    let version_file = tools_dir.join("k8s-schema-version");
    let k8s_schema_version = fs::read_to_string(&version_file)
        .map_err(|e| format!("cannot read {}: {e}", version_file.display()))?
        .trim()
        .to_string();
    if k8s_schema_version.is_empty() {
        return Err(format!("{} is empty", version_file.display()));
    }
    let tools = Tools {
        helm: PathBuf::from(value("helm")?),
        kubectl: PathBuf::from(value("kubectl")?),
        kubernetes_validate: PathBuf::from(value("kubernetes-validate")?),
        envoy: PathBuf::from(value("envoy")?),
        k8s_schema_version,
    };
    for path in [&tools.helm, &tools.kubectl, &tools.kubernetes_validate, &tools.envoy] {
        if !path.is_absolute() || !path.exists() {
            return Err(format!(
                "{} reported {}, which does not exist",
                script.display(),
                path.display()
            ));
        }
    }
    Ok(tools)
}
