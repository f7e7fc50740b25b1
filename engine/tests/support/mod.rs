//! A tiny catalog of test kinds and a harness that runs a pipeline text through the real engine
//! (load, validate, plan, key, execute, publish) in a temporary cache, without the binary and
//! without any science crate: the engine's rules are specified here on their own.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use flow_cache::{Lookup, Store};
use flow_engine::events::{RunEvent, RunEvents, RunObserver};
use flow_engine::exec::local::LocalExecutor;
use flow_engine::exec::session::{RunOptions, RunReport, run};
use flow_engine::{
    ArtifactType, Catalog, ConnectedPorts, Inputs, Outputs, ParamSpec, ParamType, ParamValue,
    Params, PortSpec, RunContext, StageError, StageKind,
};
use serde_json::{Value, json};

#[derive(serde::Deserialize)]
struct EmitParams {
    value: f64,
    label: String,
}

/// `emit`: a source. Its `out` is `{value, label, seed}`.
pub struct Emit;

impl StageKind for Emit {
    fn name(&self) -> &'static str {
        "emit"
    }
    fn version(&self) -> u32 {
        1
    }
    fn summary(&self) -> &'static str {
        "a number"
    }
    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::with_default("value", ParamType::Float, ParamValue::Float(0.0), "v"),
            ParamSpec::with_default("label", ParamType::Str, ParamValue::Str(String::new()), "l"),
        ]
    }
    fn inputs(&self) -> Vec<PortSpec> {
        vec![]
    }
    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one("out", ArtifactType::Json, "the value")]
    }
    fn check(&self, p: &Params, _connected: &ConnectedPorts) -> Result<(), StageError> {
        let p: EmitParams = p.parse()?;
        if p.value < -100.0 {
            return Err(StageError::param("value", "must be ≥ -100"));
        }
        Ok(())
    }
    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        let p: EmitParams = ctx.params().parse()?;
        Ok(Outputs::new().json(
            "out",
            json!({ "value": p.value, "label": p.label, "seed": ctx.seed() }),
        ))
    }
}

/// `add`: `x.value + y.value + plus` (`y` optional).
pub struct Add;

impl StageKind for Add {
    fn name(&self) -> &'static str {
        "add"
    }
    fn version(&self) -> u32 {
        1
    }
    fn summary(&self) -> &'static str {
        "a sum"
    }
    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::with_default(
            "plus",
            ParamType::Float,
            ParamValue::Float(0.0),
            "added",
        )]
    }
    fn inputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one("x", ArtifactType::Json, "a number"),
            PortSpec::one("y", ArtifactType::Json, "another").optional(),
        ]
    }
    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one("out", ArtifactType::Json, "the sum")]
    }
    fn run(&self, inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        #[derive(serde::Deserialize)]
        struct AddParams {
            plus: f64,
        }
        let p: AddParams = ctx.params().parse()?;
        let mut sum = value(inputs.json("x")?) + p.plus;
        if inputs.is_connected("y") {
            sum += value(inputs.json("y")?);
        }
        Ok(Outputs::new().json("out", json!({ "value": sum })))
    }
}

/// `gather`: every input's value and coordinates, in order.
pub struct Gather;

impl StageKind for Gather {
    fn name(&self) -> &'static str {
        "gather"
    }
    fn version(&self) -> u32 {
        1
    }
    fn summary(&self) -> &'static str {
        "a list"
    }
    fn params(&self) -> Vec<ParamSpec> {
        vec![]
    }
    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::many("parts", ArtifactType::Json, "numbers")]
    }
    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one("out", ArtifactType::Json, "the list")]
    }
    fn run(&self, inputs: &Inputs, _ctx: &RunContext) -> Result<Outputs, StageError> {
        let parts: Vec<Value> = inputs
            .all("parts")
            .iter()
            .map(|part| {
                let coords: Vec<String> = part
                    .coords
                    .iter()
                    .map(|(axis, v)| format!("{axis}={v}"))
                    .collect();
                let v = match &part.artifact {
                    flow_engine::Artifact::Json(v) => value(v),
                    _ => f64::NAN,
                };
                json!({ "value": v, "coords": coords.join(",") })
            })
            .collect();
        Ok(Outputs::new().json("out", json!({ "parts": parts })))
    }
}

/// `pair`: two outputs, `left = {value: a}` and `right = {value: b}`.
pub struct Pair;

impl StageKind for Pair {
    fn name(&self) -> &'static str {
        "pair"
    }
    fn version(&self) -> u32 {
        1
    }
    fn summary(&self) -> &'static str {
        "two numbers on two ports"
    }
    fn params(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::required("a", ParamType::Float, "left"),
            ParamSpec::required("b", ParamType::Float, "right"),
        ]
    }
    fn inputs(&self) -> Vec<PortSpec> {
        vec![]
    }
    fn outputs(&self) -> Vec<PortSpec> {
        vec![
            PortSpec::one("left", ArtifactType::Json, "a"),
            PortSpec::one("right", ArtifactType::Json, "b"),
        ]
    }
    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        #[derive(serde::Deserialize)]
        struct PairParams {
            a: f64,
            b: f64,
        }
        let p: PairParams = ctx.params().parse()?;
        Ok(Outputs::new()
            .json("left", json!({ "value": p.a }))
            .json("right", json!({ "value": p.b })))
    }
}

/// `versioned`: `x.value` passed on with the kind's version stamped in, at the version this
/// instance is built with (so a test can "release" a new version).
pub struct Versioned(pub u32);

impl StageKind for Versioned {
    fn name(&self) -> &'static str {
        "versioned"
    }
    fn version(&self) -> u32 {
        self.0
    }
    fn summary(&self) -> &'static str {
        "a number, stamped"
    }
    fn params(&self) -> Vec<ParamSpec> {
        vec![]
    }
    fn inputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one("x", ArtifactType::Json, "a number")]
    }
    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one("out", ArtifactType::Json, "the number")]
    }
    fn run(&self, inputs: &Inputs, _ctx: &RunContext) -> Result<Outputs, StageError> {
        Ok(Outputs::new().json(
            "out",
            json!({ "value": value(inputs.json("x")?), "version": self.0 }),
        ))
    }
}

/// `misbehave`: a stage with a bug, chosen by `how`.
pub struct Misbehave;

impl StageKind for Misbehave {
    fn name(&self) -> &'static str {
        "misbehave"
    }
    fn version(&self) -> u32 {
        1
    }
    fn summary(&self) -> &'static str {
        "a buggy stage"
    }
    fn params(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::required(
            "how",
            ParamType::Choice(&["panic", "undeclared-output", "missing-output", "wrong-type"]),
            "the bug",
        )]
    }
    fn inputs(&self) -> Vec<PortSpec> {
        vec![]
    }
    fn outputs(&self) -> Vec<PortSpec> {
        vec![PortSpec::one("out", ArtifactType::Json, "never right")]
    }
    fn run(&self, _inputs: &Inputs, ctx: &RunContext) -> Result<Outputs, StageError> {
        #[derive(serde::Deserialize)]
        struct MisbehaveParams {
            how: String,
        }
        let p: MisbehaveParams = ctx.params().parse()?;
        match p.how.as_str() {
            "panic" => panic!("index out of bounds: the len is 3 but the index is 7"),
            "undeclared-output" => Ok(Outputs::new()
                .json("out", json!({ "value": 1.0 }))
                .json("extra", json!({}))),
            "missing-output" => Ok(Outputs::new()),
            _ => Ok(Outputs::new().table(
                "out",
                arrow_array::RecordBatch::new_empty(Arc::new(arrow_schema::Schema::empty())),
            )),
        }
    }
}

fn value(v: &Value) -> f64 {
    v["value"].as_f64().unwrap_or(f64::NAN)
}

/// The test kinds, `versioned` at `version`.
pub fn catalog(version: u32) -> Catalog {
    let mut c = Catalog::new();
    c.register(Emit);
    c.register(Add);
    c.register(Gather);
    c.register(Pair);
    c.register(Versioned(version));
    c.register(Misbehave);
    c
}

/// Records every event of a run, in order.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<RunEvent>>);

impl RunObserver for Recorder {
    fn event(&self, event: RunEvent) {
        self.0.lock().unwrap().push(event);
    }
}

/// A project directory: one pipeline file and its cache.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn file(&self) -> PathBuf {
        self.dir.path().join("p.toml")
    }

    pub fn store(&self) -> Store {
        Store::open(self.dir.path().join("cache")).expect("cache")
    }

    pub fn plan(&self, text: &str, catalog: &Catalog) -> flow_engine::Plan {
        std::fs::write(self.file(), text).expect("write pipeline");
        let pipeline = flow_engine::load_pipeline(&self.file(), &[], catalog)
            .unwrap_or_else(|e| panic!("pipeline rejected: {e:?}"));
        flow_engine::plan::plan(&pipeline).unwrap_or_else(|e| panic!("plan failed: {e:?}"))
    }

    /// Runs `text` to completion with `catalog`; the report and the plan it ran.
    pub fn run_with(&self, text: &str, catalog: &Catalog) -> (RunReport, flow_engine::Plan) {
        let (report, plan, _) = self.run_recorded(text, catalog);
        (report, plan)
    }

    /// [`Project::run_with`], with the events the run emitted.
    pub fn run_recorded(
        &self,
        text: &str,
        catalog: &Catalog,
    ) -> (RunReport, flow_engine::Plan, Vec<RunEvent>) {
        let plan = self.plan(text, catalog);
        let store = self.store();
        let cancel = Arc::new(AtomicBool::new(false));
        let recorder = Arc::new(Recorder::default());
        let progress = RunEvents::new(recorder.clone());
        let mut executor = LocalExecutor::new(
            2,
            store.clone(),
            catalog.clone(),
            cancel.clone(),
            progress.clone(),
        );
        let opts = RunOptions {
            forced: vec![false; plan.len()],
            wanted: vec![true; plan.len()],
            cancel,
        };
        let report = run(&plan, &store, &mut executor, &progress, &opts);
        let events = std::mem::take(&mut *recorder.0.lock().unwrap());
        (report, plan, events)
    }

    pub fn run(&self, text: &str) -> RunReport {
        self.run_with(text, &catalog(1)).0
    }

    /// The `out` JSON of node `name` after a run of `text` (looked up by its current key).
    pub fn output(&self, text: &str, name: &str) -> Value {
        self.port(text, name, "out")
    }

    pub fn port(&self, text: &str, name: &str, port: &str) -> Value {
        let catalog = catalog(1);
        let plan = self.plan(text, &catalog);
        let store = self.store();
        let status =
            flow_engine::exec::session::plan_status(&plan, &store, &vec![false; plan.len()]);
        let node = status
            .iter()
            .find(|s| plan.node(s.index).name == name)
            .unwrap_or_else(|| panic!("no node {name}"));
        let digest = node
            .digest
            .unwrap_or_else(|| panic!("{name} has no key yet"));
        let Ok(Lookup::Present(object)) = store.get(&digest) else {
            panic!("{name} is not cached");
        };
        let file = object.port_dir(port).join("value.json");
        serde_json::from_slice(
            &std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
        )
        .expect("json")
    }
}

/// Node names, sorted.
pub fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}
