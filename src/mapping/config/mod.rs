//! The two ways Clowder's injected configuration is replaced: env vars named by the app's
//! profile (`env`), or the cdappconfig.json Clowder would have mounted (`cdappconfig`).

pub mod cdappconfig;
pub mod env;
