//! bytes → UTF-8 → parse + map (`model_from_text`) → chart and reports (`chart_files`), all in
//! memory, in both configuration modes. Errors are expected; panics, hangs and runaway memory
//! are the bugs this target looks for (docs/fuzzing.md).
#![no_main]

use clowd2helm::mapping::{ConfigMode, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for mode in [None, Some(ConfigMode::Cdappconfig)] {
        let options = Options { config_mode: mode, ..Options::default() };
        match clowd2helm::model_from_text("fuzz.yaml", text, &options) {
            Ok(model) => {
                let files = clowd2helm::chart_files(&model, "0.1.0");
                assert!(!files.is_empty());
            }
            // The message as the CLI prints it: headline and the snippet under the column.
            Err(clowd2helm::error::Error::Input(e)) => {
                let _ = (e.headline(), e.snippet(text));
            }
            Err(_) => {}
        }
    }
});
