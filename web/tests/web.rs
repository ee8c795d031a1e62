//! The binding in a real browser (headless Chromium via wasm-bindgen-test-runner): scenario
//! round trip, errors as JS `Error`s, and the same event stream as the native build.
#![cfg(target_arch = "wasm32")]

use mailroom_web::{event_hash, validate_scenario, Player, Sweep};
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
    for (file, json, until, native_hash, ..) in NATIVE {
        let got =
            event_hash(json, *until as f64).unwrap_or_else(|_| panic!("{file} refused in wasm"));
        assert_eq!(
            &got, native_hash,
            "{file}: wasm and native event streams differ"
        );
    }
}

#[wasm_bindgen_test]
fn a_player_in_uneven_frames_shows_what_the_native_player_shows() {
    for (file, json, until, _, _, native_story, native_frame) in NATIVE {
        let mut player = Player::new(parse(json), JsValue::UNDEFINED)
            .unwrap_or_else(|_| panic!("{file} refused"));
        // Uneven frames with small budgets, as a page under load would run them.
        let mut story: Vec<mailroom_core::TimedEvent> = Vec::new();
        let mut core = mailroom_core::Player::new(
            mailroom_core::Scenario::from_json(json).expect("valid"),
            Vec::new(),
        )
        .expect("valid");
        let mut t = 0.0;
        while player.now_ms() < *until as f64 {
            t = (t + 777.0f64).min(*until as f64);
            player.run(t, 5_000.0).expect("run");
            core.run(t as u64, 5_000);
            story.extend(core.take_story());
            let events = js_sys::Array::from(&player.story().expect("story"));
            assert!(events.length() as usize <= mailroom_core::player::STORY_MAX);
        }
        while core.now_ms() < *until {
            core.run(*until, u64::MAX);
            story.extend(core.take_story());
        }
        assert_eq!(
            &mailroom_core::event_hash(&story),
            native_story,
            "{file}: story events differ from the native player's"
        );
        player.refresh(0, 0);
        let groups = unsafe {
            std::slice::from_raw_parts(
                player.groups_ptr() as *const f64,
                player.groups_len() as usize,
            )
        };
        assert_eq!(
            &format!("{groups:?}"),
            native_frame,
            "{file}: frame differs"
        );
        let scenario = player.scenario().expect("scenario");
        let topics = js_sys::Reflect::get(&scenario, &"topics".into()).expect("topics");
        assert!(
            js_sys::Array::is_array(&topics),
            "{file}: scenario comes back as a plain object"
        );
        let snap = player.snapshot().expect("snapshot");
        let now = js_sys::Reflect::get(&snap, &"now_ms".into()).expect("now_ms");
        assert_eq!(now.as_f64(), Some(*until as f64));
    }
}

#[wasm_bindgen_test]
fn seek_is_refused_or_clamped_with_a_reason_never_a_freeze() {
    let (_, json, ..) = NATIVE[0];
    let mut player = Player::new(parse(json), JsValue::UNDEFINED).expect("valid");
    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        let err: JsValue = player.seek(bad, 1000.0).err().expect("refused").into();
        let msg = js_sys::Error::from(err)
            .message()
            .as_string()
            .unwrap_or_default();
        assert!(msg.starts_with("seek:"), "{msg}");
    }
    let out = player.seek(1e300, 1000.0).expect("clamped");
    let note = js_sys::Reflect::get(&out, &"note".into()).expect("note");
    assert!(note.as_string().unwrap_or_default().contains("ends at"));
    let target = js_sys::Reflect::get(&out, &"target_ms".into()).expect("target");
    assert_eq!(target.as_f64(), Some(player.end_ms()));
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
    let err = Player::new(bad, JsValue::UNDEFINED).err().expect("refused");
    let err: JsValue = err.into();
    assert!(err.is_instance_of::<js_sys::Error>());
    let msg = js_sys::Error::from(err)
        .message()
        .as_string()
        .unwrap_or_default();
    assert!(msg.starts_with("topics[0].partitions:"), "{msg}");

    let mut sim = Player::new(parse(json), JsValue::UNDEFINED).expect("valid");
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

#[wasm_bindgen_test]
fn a_wasm_sweep_gives_the_native_figures_whatever_its_step_budget_and_shards() {
    assert!(!NATIVE_SWEEPS.is_empty());
    for (json, vary, seeds, native) in NATIVE_SWEEPS {
        let native: serde_json::Value = serde_json::from_str(native).expect("native results");
        // One sweep in small steps, and the same sweep split over two shards (two workers).
        let mut whole = Sweep::new(parse(json), vary, *seeds).expect("valid sweep");
        let mut steps = 0;
        loop {
            steps += 1;
            let p = whole.step(3_000.0).expect("step");
            let done = js_sys::Reflect::get(&p, &"done".into()).expect("done");
            if done.as_bool() == Some(true) {
                break;
            }
        }
        assert!(steps > 1, "{vary}: a small budget must split the work");
        let got = |s: &Sweep| -> serde_json::Value {
            let text = js_sys::JSON::stringify(&s.results(0).expect("results"))
                .expect("stringify")
                .as_string()
                .expect("string");
            serde_json::from_str(&text).expect("JSON")
        };
        assert_eq!(
            got(&whole),
            native,
            "{vary}: wasm and native figures differ"
        );
        let mut merged: Vec<serde_json::Value> = Vec::new();
        for i in 0..2 {
            let mut s = Sweep::new(parse(json), vary, *seeds).expect("valid sweep");
            s.shard(i, 2).expect("shard");
            while js_sys::Reflect::get(&s.step(50_000.0).expect("step"), &"done".into())
                .expect("done")
                .as_bool()
                != Some(true)
            {}
            merged.extend(got(&s).as_array().expect("array").iter().cloned());
        }
        merged.sort_by_key(|r| (r["value_index"].as_u64(), r["seed"].as_u64()));
        assert_eq!(
            serde_json::Value::Array(merged),
            native,
            "{vary}: shards differ"
        );
    }
    let err: JsValue = Sweep::new(parse(NATIVE_SWEEPS[0].0), "groups[0].consumer=1..2", 1)
        .err()
        .expect("refused")
        .into();
    let msg = js_sys::Error::from(err)
        .message()
        .as_string()
        .unwrap_or_default();
    assert!(
        msg.starts_with("groups[0].consumer: no such field"),
        "{msg}"
    );
}
