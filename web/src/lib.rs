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

/// Every stride and field offset of the frame arrays, as `{NAME: number}`.
#[wasm_bindgen(js_name = frameLayout)]
pub fn frame_layout() -> Result<JsValue, JsError> {
    // A plain object built directly (a BTreeMap through serde cost a sort and a map in the wasm).
    let obj = js_sys::Object::new();
    for (name, value) in mailroom_core::frame::layout_constants() {
        js_sys::Reflect::set(
            &obj,
            &JsValue::from_str(name),
            &JsValue::from_f64(value as f64),
        )
        .map_err(|_| JsError::new("frameLayout: cannot set a field"))?;
    }
    Ok(obj.into())
}

/// A model step count from JS: a finite number ≥ 1, else the default.
fn budget(b: f64) -> u64 {
    if b.is_finite() && b >= 1.0 {
        b.min(u64::MAX as f64) as u64
    } else {
        DEFAULT_BUDGET
    }
}

/// Model steps one call does when JS gives no budget.
const DEFAULT_BUDGET: u64 = 200_000;

/// `(ptr, len)` of an `f64` slice, in f64 units, for `new Float64Array(memory.buffer, ptr, len)`.
fn ptr(v: &[f64]) -> u32 {
    v.as_ptr() as u32
}

/// A pointer getter and a length getter (in f64s) per frame buffer, named as JS calls them.
macro_rules! frame_views {
    ($($(#[$doc:meta])* $ptr_js:ident, $len_js:ident, $field:ident;)*) => {
        #[wasm_bindgen]
        #[allow(non_snake_case)]
        impl Player {
        $(
            $(#[$doc])*
            #[wasm_bindgen(js_name = $ptr_js)]
            pub fn $ptr_js(&self) -> u32 {
                ptr(&self.0.frame().$field)
            }
            /// Length of the buffer above, in f64s.
            #[wasm_bindgen(js_name = $len_js)]
            pub fn $len_js(&self) -> u32 {
                self.0.frame().$field.len() as u32
            }
        )*
        }
    };
}

/// One simulation with its time machine (checkpoints, bounded work, series), driven from JS.
/// The page reads the frame through typed-array views (see docs/frame-contract.md).
#[wasm_bindgen]
pub struct Player(mailroom_core::Player);

#[wasm_bindgen]
impl Player {
    /// Builds a player from a scenario object and recorded inputs (`[{at_ms, input}]`);
    /// throws an `Error("path: reason")`.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario: JsValue, inputs: JsValue) -> Result<Player, JsError> {
        console_error_panic_hook::set_once();
        let scenario = scenario_from_js(scenario).map_err(scenario_error)?;
        let inputs = inputs_from_js(inputs).map_err(scenario_error)?;
        mailroom_core::Player::new(scenario, inputs)
            .map(Player)
            .map_err(scenario_error)
    }

    /// Simulated milliseconds reached.
    #[wasm_bindgen(js_name = nowMs)]
    pub fn now_ms(&self) -> f64 {
        self.0.now_ms() as f64
    }

    /// The scenario's end (0 = none).
    #[wasm_bindgen(js_name = endMs)]
    pub fn end_ms(&self) -> f64 {
        self.0.end_ms() as f64
    }

    /// The furthest time reached on this timeline.
    #[wasm_bindgen(js_name = maxReachedMs)]
    pub fn max_reached_ms(&self) -> f64 {
        self.0.max_reached_ms() as f64
    }

    /// Advances toward `target_ms` doing at most `budget` model steps; returns the ms reached.
    pub fn run(&mut self, target_ms: f64, budget_steps: f64) -> Result<f64, JsError> {
        if !target_ms.is_finite() || target_ms < 0.0 {
            return Err(JsError::new("target_ms: must be a finite number ≥ 0"));
        }
        Ok(self.0.run(target_ms as u64, budget(budget_steps)) as f64)
    }

    /// Moves to `ms` (see `Player::seek` in the core): `{now_ms, target_ms, done, note}`.
    pub fn seek(&mut self, ms: f64, budget_steps: f64) -> Result<JsValue, JsError> {
        let out = self
            .0
            .seek(ms, budget(budget_steps))
            .map_err(scenario_error)?;
        to_js(&out)
    }

    /// To the next moment a story event happens; returns the ms reached.
    pub fn step(&mut self, budget_steps: f64) -> f64 {
        self.0.step(budget(budget_steps)) as f64
    }

    /// Applies an input object now and records it; throws on a bad input (nothing changes).
    pub fn apply(&mut self, input: JsValue) -> Result<(), JsError> {
        let input = input_from_js(input).map_err(scenario_error)?;
        self.0.apply(input).map_err(scenario_error)
    }

    /// Fills the frame arrays for now; record tails for global partitions `[from, to)`.
    pub fn refresh(&mut self, tail_from: u32, tail_to: u32) {
        self.0.refresh(tail_from as usize..tail_to as usize);
    }

    /// Changes when partitions or members are added.
    #[wasm_bindgen(js_name = layoutVersion)]
    pub fn layout_version(&self) -> f64 {
        self.0.sim().layout_version() as f64
    }

    /// Names and row bases (`Layout` in the core).
    pub fn layout(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.layout())
    }

    /// Why each duplicate, loss, acknowledged loss, log duplicate, redelivery and archived
    /// record up to now happened (`Player::explain` in the core): `{cases: [{kind, group |
    /// producer | share_group, topic, partition, offset, records, at_ms, summary, steps:
    /// [{at_ms, text}]}], total, reached_ms, complete}`, replaying at most `budget` steps.
    pub fn explain(&self, budget_steps: f64) -> Result<JsValue, JsError> {
        to_js(&self.0.explain(budget(budget_steps)))
    }

    /// Story events since the last call, oldest first.
    pub fn story(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.0.take_story())
    }

    /// Story events dropped because nobody drained them in time.
    #[wasm_bindgen(js_name = storyDropped)]
    pub fn story_dropped(&self) -> f64 {
        self.0.story_dropped() as f64
    }

    /// Model steps taken so far (timers fired and inputs applied): a page divides its time per
    /// call by the steps that call took to size the next budget.
    pub fn steps(&self) -> f64 {
        self.0.sim().steps() as f64
    }

    /// Sequence number of the newest sampled envelope.
    #[wasm_bindgen(js_name = envelopeSeq)]
    pub fn envelope_seq(&self) -> f64 {
        self.0.sim().envelopes().seq() as f64
    }

    /// Per-partition rows (pointer into wasm memory, in bytes).
    #[wasm_bindgen(js_name = partitionsPtr)]
    pub fn partitions_ptr(&self) -> u32 {
        ptr(&self.0.frame().partitions)
    }
    /// Length of the per-partition rows, in f64s.
    #[wasm_bindgen(js_name = partitionsLen)]
    pub fn partitions_len(&self) -> u32 {
        self.0.frame().partitions.len() as u32
    }
    /// Group × partition rows.
    #[wasm_bindgen(js_name = groupPartsPtr)]
    pub fn group_parts_ptr(&self) -> u32 {
        ptr(&self.0.frame().group_parts)
    }
    /// Length of the group × partition rows.
    #[wasm_bindgen(js_name = groupPartsLen)]
    pub fn group_parts_len(&self) -> u32 {
        self.0.frame().group_parts.len() as u32
    }
    /// Member rows.
    #[wasm_bindgen(js_name = membersPtr)]
    pub fn members_ptr(&self) -> u32 {
        ptr(&self.0.frame().members)
    }
    /// Length of the member rows.
    #[wasm_bindgen(js_name = membersLen)]
    pub fn members_len(&self) -> u32 {
        self.0.frame().members.len() as u32
    }
    /// Group rows.
    #[wasm_bindgen(js_name = groupsPtr)]
    pub fn groups_ptr(&self) -> u32 {
        ptr(&self.0.frame().groups)
    }
    /// Length of the group rows.
    #[wasm_bindgen(js_name = groupsLen)]
    pub fn groups_len(&self) -> u32 {
        self.0.frame().groups.len() as u32
    }
    /// Producer rows.
    #[wasm_bindgen(js_name = producersPtr)]
    pub fn producers_ptr(&self) -> u32 {
        ptr(&self.0.frame().producers)
    }
    /// Length of the producer rows.
    #[wasm_bindgen(js_name = producersLen)]
    pub fn producers_len(&self) -> u32 {
        self.0.frame().producers.len() as u32
    }
    /// Broker rows.
    #[wasm_bindgen(js_name = brokersPtr)]
    pub fn brokers_ptr(&self) -> u32 {
        ptr(&self.0.frame().brokers)
    }
    /// Length of the broker rows.
    #[wasm_bindgen(js_name = brokersLen)]
    pub fn brokers_len(&self) -> u32 {
        self.0.frame().brokers.len() as u32
    }
    /// Replica rows (partition × replica slot).
    #[wasm_bindgen(js_name = replicasPtr)]
    pub fn replicas_ptr(&self) -> u32 {
        ptr(&self.0.frame().replicas)
    }
    /// Length of the replica rows.
    #[wasm_bindgen(js_name = replicasLen)]
    pub fn replicas_len(&self) -> u32 {
        self.0.frame().replicas.len() as u32
    }
    /// Record tails.
    #[wasm_bindgen(js_name = tailsPtr)]
    pub fn tails_ptr(&self) -> u32 {
        ptr(&self.0.frame().tails)
    }
    /// Length of the record tails.
    #[wasm_bindgen(js_name = tailsLen)]
    pub fn tails_len(&self) -> u32 {
        self.0.frame().tails.len() as u32
    }
    /// The envelope ring.
    #[wasm_bindgen(js_name = envelopesPtr)]
    pub fn envelopes_ptr(&self) -> u32 {
        ptr(self.0.sim().envelopes().data())
    }
    /// Length of the envelope ring.
    #[wasm_bindgen(js_name = envelopesLen)]
    pub fn envelopes_len(&self) -> u32 {
        self.0.sim().envelopes().data().len() as u32
    }
    /// Series points.
    #[wasm_bindgen(js_name = seriesPtr)]
    pub fn series_ptr(&self) -> u32 {
        ptr(self.0.series().data())
    }
    /// Length of the series points.
    #[wasm_bindgen(js_name = seriesLen)]
    pub fn series_len(&self) -> u32 {
        self.0.series().data().len() as u32
    }
    /// Values per series point.
    #[wasm_bindgen(js_name = seriesStride)]
    pub fn series_stride(&self) -> u32 {
        self.0.series().stride() as u32
    }
    /// Per group, the `[topic, partition]` pairs whose lag each series point carries.
    #[wasm_bindgen(js_name = seriesTracked)]
    pub fn series_tracked(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.series().tracked())
    }

    /// Checkpoint memory in bytes (the core's estimate) and their times.
    pub fn checkpoints(&self) -> Result<JsValue, JsError> {
        to_js(&(self.0.checkpoint_bytes(), self.0.checkpoint_times()))
    }

    /// Everything the stage draws, now, as one object (for tests and the docs API; the page
    /// reads the frame arrays instead).
    pub fn snapshot(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.sim().snapshot())
    }

    /// The validated scenario with defaults filled in.
    pub fn scenario(&self) -> Result<JsValue, JsError> {
        to_js(self.0.sim().scenario())
    }

    /// Per-group delivery totals.
    pub fn stats(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.sim().stats())
    }

    /// Every input recorded on this timeline, with its time.
    #[wasm_bindgen(js_name = inputLog)]
    pub fn input_log(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.input_log())
    }
}

// The KIP-848 and share-group buffers (docs/frame-contract.md), one getter pair each.
frame_views! {
    /// KIP-848 rows per member (`KM_STRIDE`, same rows as `members`).
    kip848MembersPtr, kip848MembersLen, kip848_members;
    /// KIP-848 rows per group (`KG_STRIDE`).
    kip848GroupsPtr, kip848GroupsLen, kip848_groups;
    /// KIP-848 rows per group × partition (`KP_STRIDE`: target owner, revoking member).
    kip848PartsPtr, kip848PartsLen, kip848_parts;
    /// Share group × partition rows (`SP_STRIDE`).
    sharePartsPtr, sharePartsLen, share_parts;
    /// Share consumer rows (`SM_STRIDE`).
    shareMembersPtr, shareMembersLen, share_members;
    /// Share group rows (`SG_STRIDE`).
    shareGroupsPtr, shareGroupsLen, share_groups;
    /// In-flight record samples per share group × partition (`SR_STRIDE`; requested range only).
    shareRecordsPtr, shareRecordsLen, share_records;
}

/// Panics on purpose, so the page's recovery from a model bug can be tested end to end.
#[wasm_bindgen(js_name = debugPanic)]
pub fn debug_panic() {
    panic!("debugPanic: a deliberate panic to test recovery");
}

fn inputs_from_js(value: JsValue) -> Result<Vec<mailroom_core::TimedInput>, ScenarioError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let json = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| ScenarioError::new("inputs", "must be an array"))?;
    mailroom_core::input::inputs_from_json(&json)
}

/// Runs a scenario (JSON text) to `until_ms` and returns the event-stream fingerprint, for
/// comparing the wasm build with the native one (web/tests/web.rs runs it in Chromium). Not
/// exported to JS: no page needs it, and leaving it out keeps the hasher out of the page's wasm.
pub fn event_hash(scenario_json: &str, until_ms: f64) -> Result<String, JsError> {
    let mut sim = Sim::from_json(scenario_json).map_err(scenario_error)?;
    sim.advance(until_ms as u64);
    Ok(mailroom_core::event_hash(&sim.drain_events()))
}

/// A what-if sweep (see `mailroom_core::sweep`): one scenario run to its end once per value of a
/// varied field (and per seed), in bounded steps; a Web Worker drives it.
#[wasm_bindgen]
pub struct Sweep(mailroom_core::Sweep);

#[wasm_bindgen]
impl Sweep {
    /// Prepares a sweep of a scenario object varying `vary` (`PATH=VALUES`) over `seeds` seeds;
    /// throws `Error("path: reason")` for a bad path, range or value.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario: JsValue, vary: &str, seeds: u32) -> Result<Sweep, JsError> {
        console_error_panic_hook::set_once();
        let json = js_sys::JSON::stringify(&scenario)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| JsError::new("the scenario must be an object"))?;
        mailroom_core::Sweep::new(&json, vary, seeds)
            .map(Sweep)
            .map_err(scenario_error)
    }

    /// Keeps shard `index` of `count` (runs numbered modulo `count`), for several workers.
    pub fn shard(&mut self, index: u32, count: u32) -> Result<(), JsError> {
        self.0
            .shard(index as usize, count as usize)
            .map_err(scenario_error)
    }

    /// The varied field's path.
    pub fn path(&self) -> String {
        self.0.path().to_string()
    }

    /// The values, as written.
    pub fn values(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.values())
    }

    /// Runs this sweep does.
    #[wasm_bindgen(js_name = runsTotal)]
    pub fn runs_total(&self) -> u32 {
        self.0.runs_total() as u32
    }

    /// Runs at most `budget` model steps: `{runs_done, runs_total, run_now_ms, run_end_ms, done}`.
    pub fn step(&mut self, budget_steps: f64) -> Result<JsValue, JsError> {
        to_js(&self.0.step(budget(budget_steps)))
    }

    /// Finished runs from number `from` on: `[{value_index, value, seed, end_ms, groups}]`.
    pub fn results(&self, from: u32) -> Result<JsValue, JsError> {
        to_js(&self.0.results().get(from as usize..).unwrap_or(&[]))
    }

    /// The scenario of run (value, seed number) as an object, to open it in a Player.
    pub fn variant(&self, value_index: u32, seed_index: u32) -> Result<JsValue, JsError> {
        let json = self
            .0
            .variant_json(value_index as usize, seed_index)
            .ok_or_else(|| JsError::new("variant: no such value or seed"))?;
        js_sys::JSON::parse(&json).map_err(|_| JsError::new("variant: not JSON"))
    }
}
