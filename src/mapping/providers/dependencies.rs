//! `dependencies` / `optionalDependencies`: other apps' endpoints.

use super::build::*;
use crate::mapping::scope::AppValues;
use crate::model::ValuesNode;

/// One dependency's endpoint: host defaults to Clowder's `<app>-<deployment>` Service name.
pub fn dependency(sc: &AppValues, app_name: &str, deployment: Option<&str>, optional: bool, values: &mut Vec<(String, ValuesNode)>) -> Settings {
    let host = match deployment {
        Some(d) => format!("{app_name}-{d}"),
        None => app_name.to_string(),
    };
    values.push((
        app_name.to_string(),
        ValuesNode::map(vec![
            ("host", "", ValuesNode::leaf(host.as_str())),
            ("port", "", ValuesNode::leaf(8000)),
            ("scheme", "", ValuesNode::leaf("http")),
            ("path", "", ValuesNode::leaf("")),
        ]),
    ));
    let block = if optional { "optionalDependencies" } else { "dependencies" };
    let p = |k: &str| format!("{block}.{}.{k}", crate::model::value::path_key(app_name));
    let mut s = Settings::new();
    s.insert("host", plain(sc.str(&p("host"))));
    s.insert("port", plain(sc.str(&p("port"))));
    s.insert("scheme", plain(sc.str(&p("scheme"))));
    s.insert("path", plain(sc.str(&p("path"))));
    s
}
