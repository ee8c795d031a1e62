//! The binding in a real browser (headless Chromium via wasm-bindgen-test-runner): scenario
//! round trip, errors as JS `Error`s, and the same event stream as the native build.
#![cfg(target_arch = "wasm32")]

use mailroom_web::{event_hash, validate_scenario, Mailroom};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/native_hashes.rs"));

fn parse(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("valid JSON")
}

#[wasm_bindgen_test]
fn wasm_event_stream_matches_the_native_build_for_every_example_scenario() {
    assert!(
        !NATIVE.is_empty(),
        "no example scenarios were hashed natively"
    );
    for (file, json, until, native_hash, _) in NATIVE {
        let got =
            event_hash(json, *until as f64).unwrap_or_else(|_| panic!("{file} refused in wasm"));
        assert_eq!(
            &got, native_hash,
            "{file}: wasm and native event streams differ"
        );
    }
}

#[wasm_bindgen_test]
fn scenario_round_trips_through_js_objects_and_yields_the_native_event_count() {
    for (file, json, until, _, native_count) in NATIVE {
        let mut sim = Mailroom::new(parse(json)).unwrap_or_else(|_| panic!("{file} refused"));
        // Advance in uneven slices, as a page's frames would.
        let mut count = 0u32;
        let mut t = 0.0;
        while t < *until as f64 {
            t = (t + 777.0).min(*until as f64);
            let events = js_sys::Array::from(&sim.advance(t).expect("advance"));
            count += events.length();
        }
        assert_eq!(
            count as usize, *native_count,
            "{file}: event count differs from native"
        );
        let scenario = sim.scenario().expect("scenario");
        let topics = js_sys::Reflect::get(&scenario, &"topics".into()).expect("topics");
        assert!(
            js_sys::Array::is_array(&topics),
            "{file}: scenario comes back as a plain object"
        );
        let snap = sim.snapshot().expect("snapshot");
        let now = js_sys::Reflect::get(&snap, &"now_ms".into()).expect("now_ms");
        assert_eq!(now.as_f64(), Some(*until as f64));
    }
}

#[wasm_bindgen_test]
fn bad_scenarios_and_inputs_throw_errors_naming_the_field() {
    let (_, json, ..) = NATIVE[0];
    let mut v: serde_json::Value = serde_json::from_str(json).expect("json");
    v["topics"][0]["partitions"] = serde_json::json!(0);
    let bad = parse(&v.to_string());
    let report = validate_scenario(bad.clone()).expect("validate");
    let path = js_sys::Reflect::get(&report, &"path".into())
        .expect("path")
        .as_string();
    assert_eq!(path.as_deref(), Some("topics[0].partitions"));
    let err = Mailroom::new(bad).err().expect("refused");
    let err: JsValue = err.into();
    assert!(err.is_instance_of::<js_sys::Error>());
    let msg = js_sys::Error::from(err)
        .message()
        .as_string()
        .unwrap_or_default();
    assert!(msg.starts_with("topics[0].partitions:"), "{msg}");

    let mut sim = Mailroom::new(parse(json)).expect("valid");
    let bad_input = parse(r#"{"type": "CrashConsumer", "group": 99, "member": 0}"#);
    let err: JsValue = sim.apply(bad_input).err().expect("refused").into();
    let msg = js_sys::Error::from(err)
        .message()
        .as_string()
        .unwrap_or_default();
    assert!(msg.starts_with("input.group:"), "{msg}");
    let unknown = parse(r#"{"type": "Explode"}"#);
    assert!(sim.apply(unknown).is_err());
    assert!(validate_scenario(parse(json)).expect("validate").is_null());
}
