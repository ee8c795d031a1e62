//! wasm-bindgen binding for `mailroom-check`: conversion only, no Kafka logic. Built into its own
//! wasm (`www/pkg-check/`), which only the page's "Check my config" worker loads.

use serde::Serialize;
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// "Will my Kafka config lose data?" (`mailroom_check::check`): the three `.properties` texts
/// (`null`/`undefined` = not given: Kafka's defaults) and the producer's rate in records per
/// simulated second. Returns the report `{settings, ignored, drills, warnings}`; bad input throws
/// the array of every error, `[{file, key, value, reason}]`. Runs all drills (each bounded by the
/// engine): about a second of work, so the page calls it from a Web Worker (www/js/check-worker.js).
#[wasm_bindgen(js_name = checkConfig)]
pub fn check_config(
    producer: Option<String>,
    consumer: Option<String>,
    topic: Option<String>,
    rate: Option<f64>,
) -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let input = mailroom_check::CheckInput {
        producer: producer.as_deref(),
        consumer: consumer.as_deref(),
        topic: topic.as_deref(),
        rate,
    };
    match mailroom_check::check(&input) {
        Ok(report) => Ok(to_js(&report)?),
        Err(errors) => Err(to_js(&errors)?),
    }
}
