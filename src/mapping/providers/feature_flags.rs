//! `featureFlags`: an Unleash server, or none.

use super::build::*;
use crate::error::InputError;
use crate::mapping::Ctx;
use crate::mapping::scope::AppValues;
use crate::model::{Cond, ValuesBlock, ValuesNode};
use crate::model::workload::EnvValue;
use crate::source::clowdapp::ClowdApp;

/// `featureFlags`: an Unleash server, or none.
pub fn feature_flags(ctx: &mut Ctx, app: &ClowdApp, sc: &AppValues, values: &mut Vec<ValuesBlock>) -> Result<Option<Settings>, InputError> {
    if !ctx.static_bool(app.feature_flags.as_ref(), "featureFlags")? {
        return Ok(None);
    }
    sc.push(
        values,
        "featureFlags",
        format!("Unleash feature flags for ClowdApp `{}` (Clowder's featureFlags provider). The chart does not run Unleash.", app.name),
        ValuesNode::map(vec![
            ("enabled", "Give the app an Unleash endpoint.", ValuesNode::leaf(true)),
            ("host", "", ValuesNode::leaf("unleash")),
            ("port", "", ValuesNode::leaf(4242)),
            ("scheme", "", ValuesNode::leaf("http")),
            ("existingSecret", "Secret with the client access token (optional).", ValuesNode::leaf("")),
            ("tokenKey", "", ValuesNode::leaf("clientAccessToken")),
        ]),
    );
    let on = sc.cond("featureFlags.enabled");
    let mut s = Settings::new();
    s.insert("host", Setting::new(EnvValue::Value(sc.str("featureFlags.host")), Some(on.clone())));
    s.insert("port", Setting::new(EnvValue::Value(sc.str("featureFlags.port")), Some(on.clone())));
    s.insert("scheme", Setting::new(EnvValue::Value(sc.str("featureFlags.scheme")), Some(on.clone())));
    s.insert(
        "clientAccessToken",
        Setting::new(EnvValue::From(secret_ref(sc.str("featureFlags.existingSecret"), sc.str("featureFlags.tokenKey"))), Some(Cond::And(vec![on, sc.cond("featureFlags.existingSecret")]))),
    );
    Ok(Some(s))
}

