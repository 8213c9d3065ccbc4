//! `kafkaTopics`: the brokers and the topics the app asked for.

use super::build::*;
use crate::error::InputError;
use crate::mapping::Ctx;
use crate::model::{Cond, ExtraObject, Outcome, Part, Text, Val, ValuesBlock, ValuesNode};
use crate::model::workload::EnvValue;
use crate::source::clowdapp::ClowdApp;
use crate::mapping::connections::{KafkaMapping, Topic};
use crate::mapping::scope::AppValues;

/// Kafka is there at all: bundled, or an external host is set. Components that need Kafka
/// (profile `requires`) render only then.
pub fn available(sc: &AppValues) -> Cond {
    Cond::Or(vec![sc.cond("kafka.bundled.enabled"), sc.cond("kafka.external.host")])
}

/// `kafkaTopics`: a bundled single-node Kafka, or an external (or shared) one; topic names
/// mapped in values when the app can be told other names (`renames`); optional Strimzi
/// KafkaTopic objects.
pub fn kafka(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], renames: bool, sc: &AppValues, values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<KafkaMapping>, InputError> {
    // KEDA kafka triggers need the brokers even when the app requests no topic.
    let kafka_trigger = app.deployments.iter().filter_map(|d| d.auto_scaler.as_ref()).flat_map(|a| a.get("triggers").map(|t| t.items().to_vec()).unwrap_or_default()).any(|t| t.get("type").and_then(|n| n.as_str()) == Some("kafka"));
    if app.kafka_topics.is_empty() && !kafka_trigger {
        return Ok(None);
    }
    let mut topics = Vec::new();
    for t in &app.kafka_topics {
        topics.push((ctx.text(&t.topic_name)?, t));
    }
    let svc = format!("{}-kafka", app.name);
    let mut topic_values = vec![
        ("create", "Render Strimzi KafkaTopic objects (needs the Strimzi CRDs).", ValuesNode::leaf(false)),
        ("cluster", "Strimzi cluster name (label strimzi.io/cluster).", ValuesNode::leaf("kafka")),
    ];
    if renames {
        // A topic named by a parameter is renamed through that parameter.
        let literal = topics.iter().filter_map(|(r, _)| r.as_literal()).map(|r| (r.clone(), String::new(), ValuesNode::leaf(r.as_str()))).collect();
        topic_values.push(("names", "Requested topic name → actual topic name (the app is told the actual one).", ValuesNode::Map(literal)));
    }
    sc.push(
        values,
        "kafka",
        format!("Kafka for ClowdApp `{}` (Clowder's kafka provider): a bundled single-node broker, or yours. With neither, the components that need Kafka are not rendered.", app.name),
        ValuesNode::map(vec![
            (
                "bundled",
                "",
                ValuesNode::map(vec![
                    ("enabled", &format!("Run a single-node Kafka (KRaft, plaintext) `{svc}` that creates the app's topics at start; its data is not persistent."), ValuesNode::leaf(false)),
                    ("image", "Apache Kafka's image.", ValuesNode::leaf("docker.io/apache/kafka:3.9.1")),
                    ("resources", "", ValuesNode::leaf(serde_json::json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "512Mi"}}))),
                ]),
            ),
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("host", "Bootstrap host when bundled.enabled is false (one address; Koku reads a single host:port); empty: no Kafka.", ValuesNode::leaf("kafka")),
                    ("port", "", ValuesNode::leaf(9092)),
                    ("securityProtocol", "Applied when SASL is on (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).", ValuesNode::leaf("SASL_SSL")),
                ]),
            ),
            (
                "sasl",
                "",
                ValuesNode::map(vec![
                    ("mechanism", "SASL mechanism (e.g. SCRAM-SHA-512, PLAIN); empty disables SASL.", ValuesNode::leaf("")),
                    ("existingSecret", "Secret with the SASL username and password.", ValuesNode::leaf("")),
                    ("usernameKey", "", ValuesNode::leaf("username")),
                    ("passwordKey", "", ValuesNode::leaf("password")),
                ]),
            ),
            ("caSecret", "Secret holding the external brokers' CA (key ca.crt), mounted at /etc/clowd2helm/kafka-ca for clients that verify TLS; empty: none.", ValuesNode::leaf("")),
            ("topics", "", ValuesNode::map(topic_values)),
        ]),
    );
    let bundled_on = sc.cond("kafka.bundled.enabled");
    let external = |c: Cond| Cond::And(vec![bundled_on.clone().negated(), c]);
    let sasl_on = external(sc.cond("kafka.sasl.mechanism"));
    let on = Some(available(sc));
    let mut s = Settings::new();
    s.insert("host", Setting::new(EnvValue::Value(if_bundled(&sc.path("kafka.bundled.enabled"), Val::str(&svc), sc.str("kafka.external.host"))), on.clone()));
    s.insert("port", Setting::new(EnvValue::Value(if_bundled(&sc.path("kafka.bundled.enabled"), Val::str("9092"), sc.str("kafka.external.port"))), on.clone()));
    s.insert(
        "bootstrapServers",
        Setting::new(EnvValue::Value(if_bundled(&sc.path("kafka.bundled.enabled"), Val::str(format!("{svc}:9092")), Val::Str(Text(vec![Part::Value(sc.path("kafka.external.host")), Part::Lit(":".into()), Part::Value(sc.path("kafka.external.port"))])))), on.clone()),
    );
    s.insert("saslMechanism", Setting::new(EnvValue::Value(sc.str("kafka.sasl.mechanism")), Some(sasl_on.clone())));
    s.insert("securityProtocol", Setting::new(EnvValue::Value(sc.str("kafka.external.securityProtocol")), Some(sasl_on.clone())));
    s.insert("saslUsername", Setting::new(EnvValue::From(secret_ref(sc.required("kafka.sasl.existingSecret"), sc.str("kafka.sasl.usernameKey"))), Some(sasl_on.clone())));
    s.insert("saslPassword", Setting::new(EnvValue::From(secret_ref(sc.required("kafka.sasl.existingSecret"), sc.str("kafka.sasl.passwordKey"))), Some(sasl_on)));
    s.insert("caFile", ca_file("kafka-ca", &sc.path("kafka.caSecret"), external(sc.cond("kafka.caSecret"))).only(sc.path("kafka.caSecret")));
    let mut mapped = Vec::new();
    let mut all = Text::default();
    for (requested, t) in &topics {
        // The name the app is told: from `kafka.topics.names` for a literal name it may be told
        // another one for; a name written with parameters follows them everywhere.
        let (name, parts) = match requested.as_literal() {
            Some(lit) if renames => {
                let path = sc.path(&format!("kafka.topics.names.{}", crate::model::value::path_key(&lit)));
                (Val::Str(Text::value(path.clone())), Text(vec![Part::Value(path)]))
            }
            _ => (Val::Str(requested.clone()), requested.clone()),
        };
        if requested.as_literal().is_none() {
            ctx.find("provider.kafka-topic-parameter", Outcome::Translated, t.topic_name.pos, format!("values.yaml:{}", sc.path("kafka.topics")), format!("topic `{}` follows its parameters wherever the name goes (the app's configuration, KafkaTopic objects, the bundled Kafka's topics); set the parameter to use another name", requested.display()), None);
        }
        if !all.0.is_empty() {
            all = all.then_lit(" ");
        }
        all = all.then(&parts);
        let mut spec = Val::map()
            .with("topicName", name.clone())
            .with("partitions", t.partitions.as_ref().map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(3)))
            .with("replicas", t.replicas.as_ref().map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(3)));
        if !t.config.is_empty() {
            let cfg = Val::Map(t.config.iter().map(|(k, v)| Ok(crate::model::Entry { key: Text::lit(&k.text), val: ctx.val(v)?, when: None })).collect::<Result<_, InputError>>()?);
            spec = spec.with("config", cfg);
        }
        let body = Val::map()
            .with("apiVersion", Val::str("kafka.strimzi.io/v1beta2"))
            .with("kind", Val::str("KafkaTopic"))
            .with("metadata", Val::map().with("name", name.clone()).with("labels", Val::map().with("strimzi.io/cluster", sc.str("kafka.topics.cluster")).build()).build())
            .with("spec", spec.build())
            .build();
        extra.push(ExtraObject { file: format!("kafkatopics-{}.yaml", app.name), body, when: Some(sc.cond("kafka.topics.create")), infra: false });
        mapped.push(Topic { requested: requested.clone(), actual: name });
    }
    for body in bundled_kafka(&svc, labels, all, sc) {
        bundled(extra, &format!("kafka-{}.yaml", app.name), body, &sc.path("kafka.bundled.enabled"));
    }
    Ok(Some((s, mapped)))
}

/// A single-node Kafka in KRaft mode (broker and controller in one process, plaintext), which
/// creates the app's topics once it is up, so they exist whenever the broker does.
fn bundled_kafka(svc: &str, labels: &[(String, Val)], topics: Text, sc: &AppValues) -> Vec<Val> {
    let own = labels_with(labels, &[("service", Val::str("kafka")), ("env-app", Val::str(svc))]);
    let selector = vec![("env-app".to_string(), Val::str(svc)), ("service".into(), Val::str("kafka"))];
    let env = |k: &str, v: &str| Val::map().with("name", Val::str(k)).with("value", Val::str(v)).build();
    let script = "trap 'kill -TERM \"$server\"; wait \"$server\"' TERM INT\n/etc/kafka/docker/run &\nserver=$!\nfor topic in $APP_TOPICS; do\n  until /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --create --if-not-exists --topic \"$topic\" --partitions 1 --replication-factor 1; do sleep 3; done\ndone\nwait \"$server\"\n";
    let tcp = |delay: i64| Val::map().with("tcpSocket", Val::map().with("port", Val::Int(9092)).build()).with("initialDelaySeconds", Val::Int(delay)).with("periodSeconds", Val::Int(10)).build();
    let container = Val::map()
        .with("name", Val::str("kafka"))
        .with("image", sc.str("kafka.bundled.image"))
        .with("command", Val::seq([Val::str("/bin/bash"), Val::str("-c"), Val::str(script)]))
        .with(
            "env",
            Val::seq([
                env("KAFKA_NODE_ID", "1"),
                env("KAFKA_PROCESS_ROLES", "broker,controller"),
                env("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093"),
                env("KAFKA_ADVERTISED_LISTENERS", &format!("PLAINTEXT://{svc}:9092")),
                env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                env("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
                env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093"),
                env("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT"),
                env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
                env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
                env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"),
                env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0"),
                env("KAFKA_LOG_DIRS", "/var/lib/kafka/data"),
                env("CLUSTER_ID", "bxwqTos9TF6afw0uS2yKHw"),
                Val::map().with("name", Val::str("APP_TOPICS")).with("value", Val::Str(topics)).build(),
            ]),
        )
        .with("ports", Val::seq([Val::map().with("name", Val::str("kafka")).with("containerPort", Val::Int(9092)).with("protocol", Val::str("TCP")).build()]))
        .with("livenessProbe", tcp(30))
        .with("readinessProbe", tcp(10))
        .with("resources", sc.typed("kafka.bundled.resources"))
        .with("volumeMounts", Val::seq([Val::map().with("name", Val::str("data")).with("mountPath", Val::str("/var/lib/kafka/data")).build()]))
        .build();
    let statefulset = object("apps/v1", "StatefulSet", svc, &own)
        .with(
            "spec",
            Val::map()
                .with("serviceName", Val::str(svc))
                .with("replicas", Val::Int(1))
                .with("selector", Val::map().with("matchLabels", crate::model::k8s::label_map(&selector)).build())
                .with(
                    "template",
                    Val::map()
                        .with("metadata", Val::map().with("labels", crate::model::k8s::label_map(&own)).build())
                        .with("spec", Val::map().when(Cond::value("imagePullSecrets"), "imagePullSecrets", Val::ValueRef("imagePullSecrets".into())).with("containers", Val::seq([container])).with("volumes", Val::seq([Val::map().with("name", Val::str("data")).with("emptyDir", Val::map().build()).build()])).build())
                        .build(),
                )
                .build(),
        )
        .build();
    vec![statefulset, service(svc, &own, &selector, "kafka", 9092)]
}
