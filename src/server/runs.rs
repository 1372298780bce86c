//! The app's analyses: `POST /api/analyze` checks the request, starts `analyze` on a thread of
//! its own and answers at once with the run's id; `GET /api/runs/ID/progress` tells the page
//! how far that run is and, when it ended, its outcome. Each run has its own folder and its own
//! [`Progress`], so concurrent runs never mix outputs or counts.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::api::{create_dir, text_field, upload_file};
use super::http::Response;
use super::{State, lock};
use crate::config::{Config, Overrides};
use crate::error::Error;
use crate::output;
use crate::run::{Phase, Progress};

/// Analyses running at once; a further one waits for one of them to end (503).
const MAX_RUNNING: usize = 4;

/// One analysis started by the page.
#[derive(Default)]
pub(super) struct Run {
    progress: Progress,
    /// The HTTP status and body `analyze` ended with; `None` while it runs.
    outcome: Mutex<Option<(u16, Value)>>,
}

impl Run {
    fn running(&self) -> bool {
        lock(&self.outcome).is_none()
    }
}

/// The percentage shown: reading 2 %, the tasks from 5 to 90 %, figures 92 %, reports 96 %;
/// 100 % only once the run has ended.
pub(super) fn percent(phase: Phase, done: usize, total: usize) -> u32 {
    match phase {
        Phase::Reading => 2,
        Phase::Analysing if total == 0 => 5,
        Phase::Analysing => 5 + (85 * done.min(total) / total) as u32,
        Phase::Figures => 92,
        Phase::Reports => 96,
    }
}

/// `POST /api/analyze {upload, study_toml}`: `analyze` into a fresh run folder, on its own
/// thread; answers 202 with the run id and its progress link, or at once with the reason the
/// run cannot start.
pub(super) fn start(st: &State, v: &Value) -> Response {
    let Some((data, name)) = v
        .get("upload")
        .and_then(Value::as_u64)
        .and_then(|id| upload_file(st, id))
        .and_then(|p| {
            let n = p.file_name()?.to_string_lossy().to_string();
            Some((p, n))
        })
    else {
        return Response::error(400, "`upload` must be the id /api/inspect returned");
    };
    let text = match text_field(v, "study_toml") {
        Ok(t) => t,
        Err(r) => return r,
    };
    let running = lock(&st.runs).values().filter(|r| r.running()).count();
    if running >= MAX_RUNNING {
        return Response::error(
            503,
            format!("{running} analyses are running; start this one when one of them ends"),
        );
    }
    let id = st.fresh_id();
    let dir = st.session.join("runs").join(id.to_string());
    if let Err(r) = create_dir(&dir) {
        return r;
    }
    let study = dir.join("study.toml");
    if let Err(e) = output::write_atomic(&study, text.as_bytes()) {
        return Response::error(500, e.to_string());
    }
    let o = Overrides {
        out_dir: Some(dir.join("out")),
        quiet: true,
        ..Overrides::default()
    };
    let cfg = match Config::resolve(Some(&study), &o) {
        Ok(c) => c,
        Err(e) => return Response::json(422, &json!({ "run": id, "error": e.to_string() })),
    };
    // A study file sent over HTTP must not make the server read other files of this machine
    // (their first fields would come back in error messages).
    let d = &cfg.data;
    if [
        &d.participants,
        &d.adsl,
        &d.harms,
        &d.flow,
        &cfg.estimand.events,
    ]
    .iter()
    .any(|p| p.is_some())
    {
        let e = "the study file names companion files (data.participants, data.adsl, data.harms, data.flow, estimand.events); run such a study with the command line";
        return Response::json(422, &json!({ "run": id, "error": e }));
    }
    let run = Arc::new(Run::default());
    lock(&st.runs).insert(id, Arc::clone(&run));
    let analyze = st.backend.analyze;
    let spawned = std::thread::Builder::new()
        .name(format!("run-{id}"))
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                analyze(&data, &name, &cfg, &run.progress)
            }));
            let outcome = match result {
                Ok(r) => finished(id, &dir, r),
                Err(_) => (
                    500,
                    json!({ "run": id, "error": "the analysis stopped on an internal error" }),
                ),
            };
            *lock(&run.outcome) = Some(outcome);
        });
    if let Err(e) = spawned {
        lock(&st.runs).remove(&id);
        return Response::error(500, format!("cannot start the analysis: {e}"));
    }
    Response::json(
        202,
        &json!({ "run": id, "progress": format!("/api/runs/{id}/progress") }),
    )
}

/// The page's answer for an ended run: its links, or why it did not run (with the validation
/// problems when the data were invalid).
fn finished(
    id: u64,
    dir: &std::path::Path,
    r: Result<crate::results::ResultSet, Error>,
) -> (u16, Value) {
    match r {
        Ok(rs) => {
            let link = |f: &str| format!("/api/runs/{id}/{f}");
            (
                200,
                json!({
                    "run": id,
                    "records": rs.records.len(),
                    "failures": rs.failures,
                    "warnings": rs.issues.len(),
                    "links": {
                        "report": link("report.html"),
                        "records": link("records.json"),
                        "study": link("study.toml"),
                    },
                }),
            )
        }
        Err(e) => {
            let issues = match &e {
                Error::Invalid { .. } => std::fs::read(dir.join("out").join("validation.json"))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            };
            (
                422,
                json!({ "run": id, "error": e.to_string(), "validation": issues }),
            )
        }
    }
}

/// `GET /api/runs/ID/progress`: `{run, state, percent, phase, tasks_done, tasks_total}` while
/// the run goes on (`state` "running"); once it ended, `state` "done" or "failed", `percent`
/// 100 and `result`, the run's outcome.
pub(super) fn progress(st: &State, id: u64) -> Response {
    let Some(run) = lock(&st.runs).get(&id).cloned() else {
        return Response::error(404, format!("no analysis {id} was started"));
    };
    if let Some((status, result)) = lock(&run.outcome).clone() {
        let state = if status == 200 { "done" } else { "failed" };
        return Response::json(
            200,
            &json!({ "run": id, "state": state, "percent": 100, "status": status, "result": result }),
        );
    }
    let phase = run.progress.phase();
    let (done, total) = run.progress.tasks();
    Response::json(
        200,
        &json!({
            "run": id,
            "state": "running",
            "percent": percent(phase, done, total),
            "phase": phase,
            "tasks_done": done,
            "tasks_total": total,
        }),
    )
}

/// The run folder of an id (whether or not it exists).
pub(super) fn run_dir(st: &State, id: u64) -> PathBuf {
    st.session.join("runs").join(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_percentage_grows_with_the_phases_and_tasks_and_stays_below_100_while_running() {
        assert_eq!(percent(Phase::Reading, 0, 0), 2);
        assert_eq!(percent(Phase::Analysing, 0, 0), 5);
        assert_eq!(percent(Phase::Analysing, 0, 200), 5);
        assert_eq!(percent(Phase::Analysing, 100, 200), 47);
        assert_eq!(percent(Phase::Analysing, 200, 200), 90);
        assert_eq!(percent(Phase::Analysing, 300, 200), 90);
        assert_eq!(percent(Phase::Figures, 200, 200), 92);
        assert_eq!(percent(Phase::Reports, 200, 200), 96);
    }
}
