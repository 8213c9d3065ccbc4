//! `kafkaTopics`: the brokers and the topics the app asked for.

use super::build::*;
use crate::error::InputError;
use crate::mapping::Ctx;
use crate::model::{Cond, ExtraObject, Part, Text, Val, ValuesBlock, ValuesNode};
use crate::model::workload::EnvValue;
use crate::source::clowdapp::ClowdApp;
use crate::mapping::connections::KafkaMapping;

/// `kafkaTopics`: an external (or shared) Kafka; topic names mapped in values; optional Strimzi
/// KafkaTopic objects.
pub fn kafka(ctx: &mut Ctx, app: &ClowdApp, values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<KafkaMapping>, InputError> {
    // KEDA kafka triggers need the brokers even when the app requests no topic.
    let kafka_trigger = app.deployments.iter().filter_map(|d| d.auto_scaler.as_ref()).flat_map(|a| a.get("triggers").map(|t| t.items().to_vec()).unwrap_or_default()).any(|t| t.get("type").and_then(|n| n.as_str()) == Some("kafka"));
    if app.kafka_topics.is_empty() && !kafka_trigger {
        return Ok(None);
    }
    let mut topics = Vec::new();
    for t in &app.kafka_topics {
        let name = ctx.text(&t.topic_name)?;
        let requested = name.as_literal().unwrap_or_else(|| name.display());
        topics.push((requested, t));
    }
    values.push(ValuesBlock {
        key: "kafka".into(),
        comment: format!("Kafka for ClowdApp `{}` (Clowder's kafka provider). The chart does not run Kafka: point it at yours.", app.name),
        value: ValuesNode::map(vec![
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("host", "Bootstrap host (one address; Koku reads a single host:port).", ValuesNode::leaf("kafka")),
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
            ("caSecret", "Secret holding the broker CA (key ca.crt), for clients that verify TLS; empty: none.", ValuesNode::leaf("")),
            (
                "topics",
                "",
                ValuesNode::map(vec![
                    ("create", "Render Strimzi KafkaTopic objects (needs the Strimzi CRDs).", ValuesNode::leaf(false)),
                    ("cluster", "Strimzi cluster name (label strimzi.io/cluster).", ValuesNode::leaf("kafka")),
                    ("names", "Requested topic name → actual topic name.", ValuesNode::Map(topics.iter().map(|(r, _)| (r.clone(), String::new(), ValuesNode::leaf(r.as_str()))).collect())),
                ]),
            ),
        ]),
    });
    let sasl_on = Cond::value("kafka.sasl.mechanism");
    let mut s = Settings::new();
    s.insert("host", plain(req("kafka.external.host")));
    s.insert("port", plain(port_str("kafka.external.port")));
    s.insert("bootstrapServers", text(Text(vec![Part::RequiredValue("kafka.external.host".into()), Part::Lit(":".into()), Part::Value("kafka.external.port".into())])));
    s.insert("saslMechanism", Setting { value: EnvValue::Value(vref("kafka.sasl.mechanism")), when: Some(sasl_on.clone()) });
    s.insert("securityProtocol", Setting { value: EnvValue::Value(vref("kafka.external.securityProtocol")), when: Some(sasl_on.clone()) });
    s.insert("saslUsername", Setting { value: EnvValue::From(secret_ref(req("kafka.sasl.existingSecret"), vref("kafka.sasl.usernameKey"))), when: Some(sasl_on.clone()) });
    s.insert("saslPassword", Setting { value: EnvValue::From(secret_ref(req("kafka.sasl.existingSecret"), vref("kafka.sasl.passwordKey"))), when: Some(sasl_on) });
    let mut mapped = Vec::new();
    for (requested, t) in &topics {
        let name_path = format!("kafka.topics.names.{}", crate::model::value::path_key(requested));
        let mut spec = Val::map()
            .with("partitions", t.partitions.as_ref().map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(3)))
            .with("replicas", t.replicas.as_ref().map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(3)));
        if !t.config.is_empty() {
            let cfg = Val::Map(t.config.iter().map(|(k, v)| Ok(crate::model::Entry { key: Text::lit(&k.text), val: ctx.val(v)?, when: None })).collect::<Result<_, InputError>>()?);
            spec = spec.with("config", cfg);
        }
        let body = Val::map()
            .with("apiVersion", Val::str("kafka.strimzi.io/v1beta2"))
            .with("kind", Val::str("KafkaTopic"))
            .with("metadata", Val::map().with("name", vref(&name_path)).with("labels", Val::map().with("strimzi.io/cluster", vref("kafka.topics.cluster")).build()).build())
            .with("spec", Val::map().with("topicName", vref(&name_path)).build())
            .build();
        let mut body = body;
        if let Some(Val::Map(m)) = body.get_mut("spec")
            && let Val::Map(extra_spec) = spec.build() {
                m.extend(extra_spec);
            }
        extra.push(ExtraObject { file: format!("kafkatopics-{}.yaml", app.name), body, when: Some(Cond::value("kafka.topics.create")) });
        mapped.push((requested.clone(), name_path));
    }
    Ok(Some((s, mapped)))
}

