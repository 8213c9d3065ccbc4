//! Roles: what a workload does, read from its entry point or its image through the vocabulary
//! in `mappings/roles.yaml`. Matching a ClowdApp component with a chart workload starts here.

use crate::error::InputError;
use crate::report::categories::image_repo;
use serde::Deserialize;

pub const BUILTIN: &str = include_str!("../../../mappings/roles.yaml");
pub const BUILTIN_NAME: &str = "mappings/roles.yaml";

#[derive(Debug, Clone, Deserialize)]
pub struct Vocabulary {
    pub roles: Vec<RoleRule>,
    #[serde(default)]
    pub role_words: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RoleRule {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub default_queue: Option<String>,
}

/// A workload's role and how sure we are of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A vocabulary role read from the command or the image (`celery-worker`).
    Known { id: String, title: String },
    /// No vocabulary rule matched; the entry point itself (`manage.py listener`).
    EntryPoint(String),
    /// No command and no image rule: it serves HTTP, so probably a web server.
    InferredWeb,
    Unknown,
}

impl Role {
    /// The vocabulary id, `web` for an inferred web server.
    pub fn family(&self) -> Option<&str> {
        match self {
            Role::Known { id, .. } => Some(id),
            Role::InferredWeb => Some("web"),
            _ => None,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Role::Known { title, .. } => title.clone(),
            Role::EntryPoint(e) => format!("`{e}`"),
            Role::InferredWeb => "HTTP server (image default command)".into(),
            Role::Unknown => "unknown".into(),
        }
    }
}

impl Vocabulary {
    pub fn builtin() -> Vocabulary {
        Vocabulary::parse(BUILTIN_NAME, BUILTIN).expect("the built-in mappings/roles.yaml is valid")
    }

    pub fn parse(file: &str, text: &str) -> Result<Vocabulary, InputError> {
        let docs = crate::source::yaml::load_documents(file, text)?;
        let doc = docs.into_iter().next().ok_or_else(|| InputError::whole(file, "empty roles file"))?;
        serde_json::from_value(doc.to_json()).map_err(|e| InputError::whole(file, format!("not a roles file: {e}")).hint(format!("start from a copy of {BUILTIN_NAME}")))
    }

    /// The role of a workload with this command (summarized: a `sh -c` script is its script),
    /// image and HTTP exposure.
    pub fn role(&self, command: &str, image: &str, serves_http: bool) -> Role {
        let words = words(command);
        let repo = image_repo(image);
        for r in &self.roles {
            let by_command = !r.command.is_empty() && in_order(&words, &r.command);
            let by_image = !r.images.is_empty() && r.images.iter().any(|i| repo.contains(i.as_str()));
            if by_command || by_image {
                return Role::Known { id: r.id.clone(), title: r.title.clone().unwrap_or_else(|| r.id.clone()) };
            }
        }
        match entry_point(&words) {
            Some(e) => Role::EntryPoint(e),
            None if serves_http => Role::InferredWeb,
            None => Role::Unknown,
        }
    }

    /// The queue a worker of this role consumes when its command names none.
    pub fn default_queue(&self, role: &Role) -> Option<&str> {
        let Role::Known { id, .. } = role else { return None };
        self.roles.iter().find(|r| &r.id == id && r.default_queue.is_some()).and_then(|r| r.default_queue.as_deref())
    }

    pub fn is_role_word(&self, w: &str) -> bool {
        self.role_words.iter().any(|r| r == w)
    }
}

/// Lowercase words of a command, without quotes.
fn words(command: &str) -> Vec<String> {
    command.split_whitespace().map(|w| w.trim_matches(|c| c == '"' || c == '\'' || c == ';').to_ascii_lowercase()).filter(|w| !w.is_empty()).collect()
}

/// Every item occurs, in order, as a substring of successive words.
fn in_order(words: &[String], items: &[String]) -> bool {
    let mut it = words.iter();
    items.iter().all(|item| it.any(|w| w.contains(item.as_str())))
}

/// The program a command runs, with the subcommand where the program is a dispatcher:
/// `PYTHONPATH=x python koku/manage.py listener --flag` → `manage.py listener`,
/// `python -m pkg.mod` → `python -m pkg.mod`, `/opt/run.sh a` → `run.sh`.
pub fn entry_point(words: &[String]) -> Option<String> {
    let mut rest = words.iter().skip_while(|w| w.contains('=') && !w.starts_with('-') || matches!(w.as_str(), "exec" | "env" | "/usr/bin/env"));
    let first = rest.next()?;
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let prog = base(first);
    if prog.starts_with("python") {
        let next: Vec<&String> = rest.clone().take(2).collect();
        return match next.as_slice() {
            [m, module, ..] if m.as_str() == "-m" => Some(format!("python -m {module}")),
            [script, ..] if !script.starts_with('-') => Some(dispatch(&base(script), rest.skip(1))),
            _ => Some(prog),
        };
    }
    Some(dispatch(&prog, rest))
}

/// `manage.py` dispatches to its first argument that is not an option.
fn dispatch<'a>(prog: &str, mut rest: impl Iterator<Item = &'a String>) -> String {
    if prog == "manage.py"
        && let Some(sub) = rest.find(|w| !w.starts_with('-'))
    {
        return format!("{prog} {sub}");
    }
    prog.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s)
    }

    #[test]
    fn entry_points() {
        assert_eq!(entry_point(&w("PYTHONPATH=/x python koku/manage.py listener")).as_deref(), Some("manage.py listener"));
        assert_eq!(entry_point(&w("python koku/manage.py sources_listener")).as_deref(), Some("manage.py sources_listener"));
        assert_eq!(entry_point(&w("python -m app.main")).as_deref(), Some("python -m app.main"));
        assert_eq!(entry_point(&w("$APP_ROOT/scripts/run.sh --x")).as_deref(), Some("run.sh"));
        assert_eq!(entry_point(&[]), None);
    }

    #[test]
    fn roles_from_command_image_and_ports() {
        let v = Vocabulary::builtin();
        let fam = |c: &str, i: &str, web: bool| v.role(c, i, web).family().map(str::to_string);
        assert_eq!(fam("PYTHONPATH=${APP_HOME} celery -A koku worker -E -Q $WORKER_QUEUES", "q/koku", false).as_deref(), Some("celery-worker"));
        assert_eq!(fam("celery -A koku beat -l info", "q/koku", false).as_deref(), Some("celery-beat"));
        assert_eq!(fam("$APP_ROOT/scripts/run_migrations.sh", "q/koku", false).as_deref(), Some("migration"));
        assert_eq!(fam("python manage.py migrate --noinput", "q/koku", false).as_deref(), Some("migration"));
        assert_eq!(fam("", "registry.redhat.io/openshift-service-mesh/proxyv2-rhel9:2.6", true).as_deref(), Some("reverse-proxy"));
        assert_eq!(fam("nginx -g daemon off;", "ubi9/nginx-124", true).as_deref(), Some("reverse-proxy"));
        assert_eq!(fam("", "q/koku", true).as_deref(), Some("web"));
        assert_eq!(v.role("python koku/manage.py listener", "q/koku", false), Role::EntryPoint("manage.py listener".into()));
        assert_eq!(v.default_queue(&v.role("celery -A x worker", "i", false)), Some("celery"));
        assert!(v.is_role_word("listener") && !v.is_role_word("api"));
    }
}
