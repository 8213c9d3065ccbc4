//! `database`: bundled PostgreSQL (Clowder's local database provider, clowder-semantics §4) or an external server.

use super::build::*;
use crate::error::InputError;
use crate::mapping::Ctx;
use crate::model::{Cond, ExtraObject, Val, ValuesBlock, ValuesNode};
use crate::model::workload::EnvValue;
use crate::source::clowdapp::ClowdApp;
use crate::model::k8s::label_map;
use crate::mapping::scope::AppValues;
use serde_json::json;

/// Local database sizing (Clowder's t-shirt sizes): request = size, limit = next size up.
fn db_sizes(size: &str) -> ((&'static str, &'static str), (&'static str, &'static str)) {
    const CPU: [&str; 5] = ["300m", "600m", "1200m", "1800m", "2400m"];
    const RAM: [&str; 5] = ["512Mi", "1Gi", "2Gi", "3Gi", "4Gi"];
    let i = match size {
        "small" => 1,
        "medium" => 2,
        "large" => 3,
        _ => 0,
    };
    ((CPU[i], RAM[i]), (CPU[i + 1], RAM[i + 1]))
}

fn db_image(version: &str) -> String {
    match version {
        "16" => "quay.io/redhat-services-prod/hcm-eng-prod-tenant/postgresql-rds:d44b8d1".into(),
        v @ ("12" | "13" | "14" | "15") => format!("quay.io/cloudservices/postgresql-rds:{v}-2318dee"),
        _ => "quay.io/cloudservices/postgresql-rds:12-2318dee".into(),
    }
}

/// Whose database an app uses: its own (`name`), or another app's (`sharedDbAppName`).
pub enum DbOwner<'a> {
    Own,
    /// A ClowdApp of this template: its values and objects are used as they are.
    SharedInChart(&'a ClowdApp),
    /// An app outside the template: an external database named after it.
    SharedOutside(String),
}

/// Which database `app` uses; a parameter in `sharedDbAppName` is fixed at its default.
pub fn owner<'a>(ctx: &mut Ctx<'a>, app: &ClowdApp) -> Result<Option<DbOwner<'a>>, InputError> {
    let Some(db) = &app.database else { return Ok(None) };
    match (&db.name, &db.shared_db_app_name) {
        (Some(_), _) => Ok(Some(DbOwner::Own)),
        (None, Some(n)) => {
            let other = ctx.fixed(n, "sharedDbAppName")?;
            match ctx.app(&other) {
                Some(o) if o.name == app.name => Err(crate::source::template::err(&ctx.input.file, n.pos, format!("ClowdApp `{other}` names itself in sharedDbAppName")).hint("set database.name for its own database")),
                Some(o) if o.database.as_ref().is_some_and(|d| d.name.is_some()) => Ok(Some(DbOwner::SharedInChart(o))),
                // Clowder reads the other app's database Secret, which only an app with a database of
                // its own has: the app is never reconciled.
                Some(_) => Err(crate::source::template::err(&ctx.input.file, n.pos, format!("sharedDbAppName `{other}`: ClowdApp `{other}` of this template has no database of its own (`database.name`), so there is none to share"))
                    .hint(format!("give ClowdApp `{other}` a database.name, or share the database of the app that has one"))),
                None => Ok(Some(DbOwner::SharedOutside(other))),
            }
        }
        (None, None) => Ok(None),
    }
}

/// The database settings every consumer reads, from the values of the app that owns the
/// database (`sc`) and its bundled Service/Secret `svc`.
fn settings(sc: &AppValues, svc: &str, name: &Val) -> Settings {
    let bundled = sc.path("database.bundled.enabled");
    let secret_name = if_bundled(&bundled, Val::str(svc), sc.required("database.external.existingSecret"));
    let mut s = Settings::new();
    s.insert("host", plain(if_bundled(&bundled, Val::str(svc), sc.required("database.external.host"))));
    s.insert("port", plain(if_bundled(&bundled, Val::str("5432"), sc.str("database.external.port"))));
    s.insert("name", plain(name.clone()));
    s.insert("username", Setting::new(EnvValue::From(secret_ref(secret_name.clone(), if_bundled(&bundled, Val::str("username"), sc.str("database.external.userKey")))), None));
    s.insert("password", Setting::new(EnvValue::From(secret_ref(secret_name, if_bundled(&bundled, Val::str("password"), sc.str("database.external.passwordKey")))), None));
    s.insert("sslMode", plain(if_bundled(&bundled, Val::str("disable"), sc.str("database.external.sslMode"))).only(sc.path("database.external.sslMode")));
    // The CA, as a file: for clients that verify the server (Koku turns on verify-full with it).
    let ca_on = Cond::And(vec![sc.cond("database.bundled.enabled").negated(), sc.cond("database.external.caSecret")]);
    s.insert("caFile", ca_file("database-ca", &sc.path("database.external.caSecret"), ca_on).only(sc.path("database.external.caSecret")));
    s
}

/// The database name clients use: the external one when set, else the one the app asked for.
fn name_of(sc: &AppValues, asked: Val) -> Val {
    Val::If(Cond::And(vec![sc.cond("database.bundled.enabled").negated(), sc.cond("database.external.name")]), Box::new(sc.str("database.external.name")), Box::new(asked))
}

/// `database`: bundled PostgreSQL (Clowder's local mode) or an external server. Returns the
/// settings, the switch of the bundled database and the values they read.
pub fn database(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], sc: &AppValues, values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<(Settings, Val, AppValues)>, InputError> {
    let Some(db) = &app.database else { return Ok(None) };
    let Some(owner) = owner(ctx, app)? else { return Ok(None) };
    if let DbOwner::SharedInChart(other) = owner {
        // Clowder hands the sharing app the other app's database, host, credentials and name.
        let osc = ctx.values_of(&other.name);
        let odb = other.database.as_ref().expect("checked by owner()");
        let asked = ctx.val(odb.name.as_ref().expect("checked by owner()"))?;
        let s = settings(&osc, &format!("{}-db", other.name), &name_of(&osc, asked));
        return Ok(Some((s, osc.typed("database.bundled.enabled"), osc)));
    }
    let shared = match &owner {
        DbOwner::SharedOutside(o) => Some(o.clone()),
        _ => None,
    };
    let name_val = match &db.name {
        Some(n) => ctx.val(n)?,
        None => sc.str("database.external.name"),
    };
    let version = match &db.version {
        Some(v) => match ctx.val(v)? {
            Val::Typed(p) => ctx.input.parameter(&p).and_then(|p| p.value.clone()).unwrap_or_else(|| "12".into()),
            Val::Int(i) => i.to_string(),
            other => other.as_literal_str().unwrap_or_else(|| "12".into()),
        },
        None => "12".into(),
    };
    let size = db.db_resource_size.as_ref().and_then(|n| n.as_str()).unwrap_or("x-small");
    let volume = match db.db_volume_size.as_ref().and_then(|n| n.as_str()) {
        Some("small") => "2Gi",
        Some("medium") => "3Gi",
        Some("large") => "5Gi",
        _ => "1Gi",
    };
    let ((req_cpu, req_mem), (lim_cpu, lim_mem)) = db_sizes(size);
    let svc = format!("{}-db", app.name);
    let default_bundled = shared.is_none();
    let ext_host = shared.as_ref().map(|s| format!("{s}-db")).unwrap_or_default();
    // The external default has the bundled Secret's name and keys, so data moved off the bundled
    // database keeps working; the operator creates it.
    let ext_secret = shared.as_ref().map(|s| format!("{s}-db")).unwrap_or_else(|| svc.clone());
    sc.push(
        values,
        "database",
        format!("PostgreSQL for ClowdApp `{}` (Clowder's database provider). Bundled: a StatefulSet `{svc}` with generated credentials kept across upgrades. External: your server.", app.name),
        ValuesNode::map(vec![
            (
                "bundled",
                "",
                ValuesNode::map(vec![
                    ("enabled", "Run PostgreSQL in the chart.", ValuesNode::leaf(default_bundled)),
                    ("image", &format!("Image for PostgreSQL {version} (the one Clowder uses for that version)."), ValuesNode::leaf(db_image(&version))),
                    ("storage", "", ValuesNode::map(vec![("size", "PersistentVolumeClaim size.", ValuesNode::leaf(volume)), ("storageClassName", "Storage class; empty uses the cluster default.", ValuesNode::leaf(""))])),
                    (
                        "resources",
                        "",
                        ValuesNode::leaf(json!({"limits": {"cpu": lim_cpu, "memory": lim_mem}, "requests": {"cpu": req_cpu, "memory": req_mem}})),
                    ),
                    ("podSecurityContext", "Pod securityContext of the database, e.g. `{fsGroup: 26}` where volumes are owned by root (plain Kubernetes); OpenShift assigns one itself.", ValuesNode::open(json!({}))),
                    ("initSql", "SQL run once the database is up, as its superuser `postgres` in the app's database (a hook Job `<app>-db-init` before the app's invoked jobs), e.g. extensions the app cannot create itself. The image must follow the sclorg conventions (POSTGRESQL_ADMIN_PASSWORD), as Clowder's does.", ValuesNode::leaf("")),
                ]),
            ),
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("host", "Database host when bundled.enabled is false.", ValuesNode::leaf(ext_host.as_str())),
                    ("port", "", ValuesNode::leaf(5432)),
                    ("name", "Database name; empty uses the ClowdApp's database name.", ValuesNode::leaf("")),
                    ("existingSecret", "Secret holding the user and password (created by you).", ValuesNode::leaf(ext_secret.as_str())),
                    ("userKey", "", ValuesNode::leaf("db.user")),
                    ("passwordKey", "", ValuesNode::leaf("db.password")),
                    ("sslMode", "PostgreSQL sslmode for clients that take it (cdappconfig `sslMode`).", ValuesNode::leaf("disable")),
                    ("caSecret", "Secret with the server's CA certificate (key `ca.crt`), mounted at /etc/clowd2helm/database-ca; empty: none.", ValuesNode::leaf("")),
                ]),
            ),
        ]),
    );
    let name = name_of(sc, name_val.clone());
    let s = settings(sc, &svc, &name);

    // Bundled objects, as Clowder's local database provider makes them.
    let db_labels = labels_with(labels, &[("service", Val::str("db")), ("sub", Val::str("local_db"))]);
    let selector = vec![("app".to_string(), Val::str(&app.name)), ("service".into(), Val::str("db")), ("sub".into(), Val::str("local_db"))];
    let secret = object("v1", "Secret", &svc, labels)
        .with("type", Val::str("Opaque"))
        .with(
            "stringData",
            Val::map()
                .with("hostname", Val::str(&svc))
                .with("db.host", Val::str(&svc))
                .with("port", Val::str("5432"))
                .with("db.port", Val::str("5432"))
                .with("username", generated(&svc, "username", 16))
                .with("db.user", generated(&svc, "username", 16))
                .with("password", generated(&svc, "password", 16))
                .with("db.password", generated(&svc, "password", 16))
                .with("pgPass", generated(&svc, "pgPass", 16))
                .with("name", name_val.clone())
                .with("db.name", name_val.clone())
                .build(),
        )
        .build();
    let env_from_secret = |var: &str, key: &str| Val::map().with("name", Val::str(var)).with("valueFrom", secret_ref(Val::str(&svc), Val::str(key))).build();
    let psql_probe = |delay: i64| {
        Val::map()
            .with("exec", Val::map().with("command", Val::seq([Val::str("psql"), Val::str("-U"), Val::str("$(POSTGRESQL_USER)"), Val::str("-d"), Val::str("$(POSTGRESQL_DATABASE)"), Val::str("-c"), Val::str("SELECT 1")])).build())
            .with("initialDelaySeconds", Val::Int(delay))
            .with("timeoutSeconds", Val::Int(2))
            .with("periodSeconds", Val::Int(10))
            .build()
    };
    let container = Val::map()
        .with("name", Val::str(&svc))
        .with("image", sc.str("database.bundled.image"))
        .with(
            "env",
            Val::seq([
                env_from_secret("POSTGRESQL_USER", "username"),
                env_from_secret("POSTGRESQL_PASSWORD", "password"),
                env_from_secret("POSTGRESQL_ADMIN_PASSWORD", "pgPass"),
                Val::map().with("name", Val::str("POSTGRESQL_DATABASE")).with("value", name_val).build(),
            ]),
        )
        .with("ports", Val::seq([Val::map().with("name", Val::str("database")).with("containerPort", Val::Int(5432)).with("protocol", Val::str("TCP")).build()]))
        .with("livenessProbe", psql_probe(15))
        .with("readinessProbe", psql_probe(45))
        .with("resources", sc.typed("database.bundled.resources"))
        .with("volumeMounts", Val::seq([Val::map().with("name", Val::str("data")).with("mountPath", Val::str("/var/lib/pgsql/data")).build()]))
        .build();
    let claim_spec = Val::map()
        .with("accessModes", Val::seq([Val::str("ReadWriteOnce")]))
        .with("resources", Val::map().with("requests", Val::map().with("storage", sc.str("database.bundled.storage.size")).build()).build())
        .when(sc.cond("database.bundled.storage.storageClassName"), "storageClassName", sc.str("database.bundled.storage.storageClassName"))
        .build();
    let statefulset = object("apps/v1", "StatefulSet", &svc, &db_labels)
        .with(
            "spec",
            Val::map()
                .with("serviceName", Val::str(&svc))
                .with("replicas", Val::Int(1))
                .with("selector", Val::map().with("matchLabels", label_map(&selector)).build())
                .with(
                    "template",
                    Val::map()
                        .with("metadata", Val::map().with("labels", label_map(&db_labels)).build())
                        .with("spec", Val::map().when(sc.cond("database.bundled.podSecurityContext"), "securityContext", sc.typed("database.bundled.podSecurityContext")).when(Cond::value("imagePullSecrets"), "imagePullSecrets", Val::ValueRef("imagePullSecrets".into())).with("containers", Val::seq([container])).build())
                        .build(),
                )
                .with("volumeClaimTemplates", Val::seq([Val::map().with("metadata", Val::map().with("name", Val::str("data")).build()).with("spec", claim_spec).build()]))
                .build(),
        )
        .build();
    let service = service(&svc, &db_labels, &selector, "database", 5432);
    let file = format!("database-{}.yaml", app.name);
    let switch = sc.path("database.bundled.enabled");
    for body in [secret, statefulset, service] {
        bundled(extra, &file, body, &switch);
    }
    extra.push(ExtraObject {
        file,
        body: init_job(&app.name, &svc, labels, &name, sc),
        when: Some(Cond::And(vec![sc.cond("database.bundled.enabled"), sc.cond("database.bundled.initSql")])),
        infra: true,
    });
    Ok(Some((s, sc.typed("database.bundled.enabled"), sc.clone())))
}

/// `<app>-db-init`: waits for the bundled database, then runs `database.bundled.initSql` as the
/// superuser. A hook after the database and before the app's invoked jobs (weight -10): in an
/// ordered install a pre-install hook, otherwise a post-install one.
fn init_job(app: &str, svc: &str, labels: &[(String, Val)], db_name: &Val, sc: &AppValues) -> Val {
    let name = format!("{app}-db-init");
    let env = Val::seq([
        Val::map().with("name", Val::str("PGHOST")).with("value", Val::str(svc)).build(),
        Val::map().with("name", Val::str("PGPORT")).with("value", Val::str("5432")).build(),
        Val::map().with("name", Val::str("PGDATABASE")).with("value", db_name.clone()).build(),
        Val::map().with("name", Val::str("PGUSER")).with("value", Val::str("postgres")).build(),
        Val::map().with("name", Val::str("PGPASSWORD")).with("valueFrom", secret_ref(Val::str(svc), Val::str("pgPass"))).build(),
        Val::map().with("name", Val::str("INIT_SQL")).with("value", sc.str("database.bundled.initSql")).build(),
    ]);
    let script = "until pg_isready -t 5; do echo \"waiting for the database at $PGHOST:$PGPORT\"; sleep 2; done\npsql -v ON_ERROR_STOP=1 -c \"$INIT_SQL\"\n";
    let container = Val::map()
        .with("name", Val::str("db-init"))
        .with("image", sc.str("database.bundled.image"))
        .with("command", Val::seq([Val::str("/bin/sh"), Val::str("-c"), Val::str(script)]))
        .with("env", env)
        .with("resources", small_resources())
        .build();
    let hook = Val::If(Cond::value(crate::model::ORDERED), Box::new(Val::str(crate::model::ORDERED_EVENTS)), Box::new(Val::str("post-install,post-upgrade")));
    setup_job(&name, labels, hook, container)
}

/// An init container for a job that needs the database: it waits until the server accepts
/// connections (invoked jobs in an ordered install run right after the database is created).
pub fn wait_container(settings: &Settings, sc: &AppValues) -> Option<crate::model::Container> {
    let value = |k: &str| match settings.get(k).map(|s| &s.value) {
        Some(EnvValue::Value(v)) => Some(v.clone()),
        _ => None,
    };
    let env = |name: &str, v: Val| crate::model::workload::EnvVar { name: name.into(), value: EnvValue::Value(v), origin: crate::model::workload::EnvOrigin::Provider("database".into()), when: None, source: None };
    Some(crate::model::Container {
        name: crate::model::Text::lit("wait-for-database"),
        image: sc.str("database.bundled.image"),
        command: Some(Val::seq([Val::str("/bin/sh"), Val::str("-c"), Val::str("until pg_isready -h \"$DB_HOST\" -p \"$DB_PORT\" -t 5; do echo \"waiting for the database at $DB_HOST:$DB_PORT\"; sleep 2; done\n")])),
        args: None,
        env: vec![env("DB_HOST", value("host")?), env("DB_PORT", value("port")?)],
        ports: Vec::new(),
        resources: crate::model::Resources { limits: vec![("cpu".into(), Val::str("100m")), ("memory".into(), Val::str("64Mi"))], requests: vec![("cpu".into(), Val::str("10m")), ("memory".into(), Val::str("32Mi"))] },
        liveness_probe: None,
        readiness_probe: None,
        volume_mounts: Vec::new(),
        conditional_mounts: Vec::new(),
        lifecycle: None,
        image_pull_policy: "IfNotPresent",
        restart_policy: None,
        inherits_env: false,
        when: Some(Cond::value(crate::model::ORDERED)),
    })
}
