//! wasm-bindgen bindings for `mailroom-core`: conversions only, no simulation logic.
//!
//! JS gets plain JSON-compatible objects (`Serializer::json_compatible`), errors arrive as JS
//! `Error`s carrying the core's message (`path: reason`), and panics are reported to the
//! console by `console_error_panic_hook`.

use mailroom_core::{Input, Scenario, ScenarioError, Sim};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn scenario_error(e: ScenarioError) -> JsError {
    JsError::new(&e.to_string())
}

/// Decodes a scenario from a JS object, with the JSON path of any bad field.
fn scenario_from_js(value: JsValue) -> Result<Scenario, ScenarioError> {
    // Through JSON text so that serde_path_to_error can name the path, exactly as natively.
    let json = js_sys::JSON::stringify(&value)
        .map_err(|_| ScenarioError::new("", "the scenario is not JSON-serialisable"))?
        .as_string()
        .ok_or_else(|| ScenarioError::new("", "the scenario must be an object"))?;
    Scenario::from_json(&json)
}

fn input_from_js(value: JsValue) -> Result<Input, ScenarioError> {
    let json = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| ScenarioError::new("input", "must be an object"))?;
    Input::from_json(&json)
}

/// The version of the simulator.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Validates a scenario object: `null` when valid, else `{path, reason}`.
#[wasm_bindgen(js_name = validateScenario)]
pub fn validate_scenario(value: JsValue) -> Result<JsValue, JsError> {
    match scenario_from_js(value) {
        Ok(_) => Ok(JsValue::NULL),
        Err(e) => to_js(&e),
    }
}

/// One simulation, driven from JS.
#[wasm_bindgen]
pub struct Mailroom(Sim);

#[wasm_bindgen]
impl Mailroom {
    /// Builds a simulation from a scenario object; throws an `Error("path: reason")`.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario: JsValue) -> Result<Mailroom, JsError> {
        console_error_panic_hook::set_once();
        let scenario = scenario_from_js(scenario).map_err(scenario_error)?;
        Sim::new(scenario).map(Mailroom).map_err(scenario_error)
    }

    /// Simulated milliseconds reached.
    #[wasm_bindgen(js_name = nowMs)]
    pub fn now_ms(&self) -> f64 {
        self.0.now_ms() as f64
    }

    /// When the model next acts on its own (`undefined` if never).
    #[wasm_bindgen(js_name = nextDeadlineMs)]
    pub fn next_deadline_ms(&self) -> Option<f64> {
        self.0.next_deadline_ms().map(|t| t as f64)
    }

    /// Applies an input object at the current time; throws on a bad input (nothing changes).
    pub fn apply(&mut self, input: JsValue) -> Result<(), JsError> {
        let input = input_from_js(input).map_err(scenario_error)?;
        let now = self.0.now_ms();
        self.0.handle(now, input).map_err(scenario_error)
    }

    /// Runs the model to `now_ms` and returns the events that happened, oldest first.
    pub fn advance(&mut self, now_ms: f64) -> Result<JsValue, JsError> {
        if !now_ms.is_finite() || now_ms < 0.0 {
            return Err(JsError::new("now_ms: must be a finite number ≥ 0"));
        }
        self.0.advance(now_ms as u64);
        to_js(&self.0.drain_events())
    }

    /// Everything the stage draws, now.
    pub fn snapshot(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.snapshot())
    }

    /// The validated scenario with defaults filled in.
    pub fn scenario(&self) -> Result<JsValue, JsError> {
        to_js(self.0.scenario())
    }

    /// Per-group delivery totals.
    pub fn stats(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.stats())
    }

    /// Every input applied so far, with its time.
    #[wasm_bindgen(js_name = inputLog)]
    pub fn input_log(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.input_log())
    }
}

/// Runs a scenario (JSON text) to `until_ms` and returns the event-stream fingerprint, for
/// comparing the wasm build with the native one.
#[wasm_bindgen(js_name = eventHash)]
pub fn event_hash(scenario_json: &str, until_ms: f64) -> Result<String, JsError> {
    let mut sim = Sim::from_json(scenario_json).map_err(scenario_error)?;
    sim.advance(until_ms as u64);
    Ok(mailroom_core::event_hash(&sim.drain_events()))
}
