//! The app's routes: the page and its assets, and the JSON API over the library (`inspect`,
//! `study`, `analyze`, run downloads, `save`, `reproduce`, `hello`/`shutdown` of a page). Uploads and runs are
//! folders of the session folder, one per id, so concurrent runs never share a folder.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::http::{PAGE_CSP, Request, Response};
use super::{State, lock, page};
use crate::cli::ReproduceArgs;
use crate::config::{Config, Overrides};
use crate::error::Error;
use crate::{output, validate};

/// Largest JSON body (a study TOML and a few fields), whatever `--max-upload` says.
const MAX_JSON: u64 = 16 << 20;
/// Files of a run that can be downloaded: name → (folder inside the run, content type).
const RUN_FILES: [(&str, &str, &str); 3] = [
    ("report.html", "out", "text/html; charset=utf-8"),
    ("records.json", "out", "application/json; charset=utf-8"),
    ("study.toml", "", "application/toml; charset=utf-8"),
];

/// The paths the app answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    Page,
    Asset(&'static str),
    Inspect,
    Study,
    Analyze,
    RunFile(u64, &'static str),
    Save(u64),
    Reproduce,
    Hello,
    Shutdown,
}

impl Route {
    /// The route of a path; `None` for anything outside the app (404).
    pub(super) fn of(path: &str) -> Option<Route> {
        let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        Some(match seg.as_slice() {
            [""] => Route::Page,
            ["app.js"] => Route::Asset("app.js"),
            ["app.css"] => Route::Asset("app.css"),
            ["api", "inspect"] => Route::Inspect,
            ["api", "study"] => Route::Study,
            ["api", "analyze"] => Route::Analyze,
            ["api", "reproduce"] => Route::Reproduce,
            ["api", "hello"] => Route::Hello,
            ["api", "shutdown"] => Route::Shutdown,
            ["api", "runs", id, "save"] => Route::Save(id.parse().ok()?),
            ["api", "runs", id, file] => {
                let f = RUN_FILES.iter().find(|(n, _, _)| n == file)?.0;
                Route::RunFile(id.parse().ok()?, f)
            }
            _ => return None,
        })
    }

    /// Static assets hold no data and cannot carry the token (a `<script src>`).
    pub(super) fn is_public(&self) -> bool {
        matches!(self, Route::Asset(_))
    }

    fn method(&self) -> &'static str {
        match self {
            Route::Page | Route::Asset(_) | Route::RunFile(..) | Route::Reproduce => "GET",
            _ => "POST",
        }
    }
}

/// Answers a request that passed the guard. `len` is the declared body length.
pub(super) fn route(st: &State, req: &Request, len: u64, body: &mut dyn Read) -> Response {
    let Some(route) = Route::of(&req.path) else {
        return Response::error(404, "not found");
    };
    if req.method != route.method() {
        return Response::error(405, format!("use {}", route.method()));
    }
    let limit = match route {
        Route::Inspect => st.max_upload,
        _ => st.max_upload.min(MAX_JSON),
    };
    if len > limit {
        return Response::error(
            413,
            format!(
                "the upload is {len} bytes, over the limit of {limit} bytes; restart with \
`retrotrial app --max-upload BYTES` to accept larger files"
            ),
        );
    }
    match route {
        Route::Page => Response::new(200, "text/html; charset=utf-8", page::INDEX)
            .with("Content-Security-Policy", PAGE_CSP),
        Route::Asset(name) => page::asset(name),
        Route::Inspect => inspect(st, req, len, body),
        Route::Study => with_json(body, len, |v| study(&v)),
        Route::Analyze => with_json(body, len, |v| analyze(st, &v)),
        Route::RunFile(id, name) => run_file(st, id, name, req.query("download").is_some()),
        Route::Save(id) => with_json(body, len, |v| save(st, id, &v)),
        Route::Reproduce => reproduce(st),
        Route::Hello => {
            lock(&st.pages).hello(req.query("page").unwrap_or_default());
            Response::json(200, &json!({ "hello": true }))
        }
        Route::Shutdown => {
            lock(&st.pages).goodbye(req.query("page"), req.query("now").is_some());
            Response::json(200, &json!({ "stopping": true }))
        }
    }
}

fn with_json(body: &mut dyn Read, len: u64, f: impl FnOnce(Value) -> Response) -> Response {
    let mut buf = Vec::new();
    if body.take(len).read_to_end(&mut buf).is_err() {
        return Response::error(400, "the request body could not be read");
    }
    match serde_json::from_slice(&buf) {
        Ok(v) => f(v),
        Err(e) => Response::error(400, format!("the request body is not JSON: {e}")),
    }
}

fn text_field<'a>(v: &'a Value, name: &str) -> Result<&'a str, Response> {
    v.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Response::error(400, format!("`{name}` (a string) is required")))
}

/// A file name safe to create: its last component, other characters than letters, digits,
/// `.`, `-` and `_` replaced, never empty or hidden.
fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let s: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() { "data.csv".into() } else { s }
}

fn create_dir(p: &Path) -> Result<(), Response> {
    std::fs::create_dir_all(p)
        .map_err(|e| Response::error(500, format!("cannot create a session folder: {e}")))
}

/// `POST /api/inspect?name=FILE`: the body is the data file. Stores it in a fresh upload
/// folder, infers the study TOML as `init` does and validates the file with it as `validate`
/// does.
fn inspect(st: &State, req: &Request, len: u64, body: &mut dyn Read) -> Response {
    let id = st.fresh_id();
    let name = safe_name(req.query("name").unwrap_or("data.csv"));
    let dir = st.session.join("uploads").join(id.to_string());
    if let Err(r) = create_dir(&dir) {
        return r;
    }
    let data = dir.join(&name);
    let copied =
        std::fs::File::create(&data).and_then(|mut f| std::io::copy(&mut body.take(len), &mut f));
    match copied {
        Ok(n) if n == len => {}
        Ok(_) => return Response::error(400, "the upload ended early"),
        Err(e) => return Response::error(500, format!("cannot store the upload: {e}")),
    }
    let failed = |e: &dyn std::fmt::Display| {
        Response::json(
            422,
            &json!({ "upload": id, "file": name, "error": e.to_string(), "issues": [] }),
        )
    };
    let text = match (st.backend.infer)(&data) {
        // The session path means nothing to the user; the name they uploaded does.
        Ok(t) => t.replacen(&data.display().to_string(), &name, 1),
        Err(e) => return failed(&e),
    };
    let study = dir.join("study.toml");
    if let Err(e) = output::write_atomic(&study, text.as_bytes()) {
        return failed(&e);
    }
    let cfg = match Config::resolve(Some(&study), &Overrides::default()) {
        Ok(c) => c,
        Err(e) => return failed(&e),
    };
    let checked = match validate::read_and_check(&data, &cfg) {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    let mut issues = checked.issues.clone();
    if !issues.has_errors() {
        let mut ds = checked.dataset(&cfg);
        crate::missing::apply_population(&mut ds, &cfg, &name, &mut issues);
        validate::check_dataset(&ds, &name, &mut issues);
    }
    let raw = &checked.raw;
    let mut v = design_json(&cfg);
    v["upload"] = json!(id);
    v["file"] = json!(name);
    v["rows"] = json!(raw.rows.len());
    v["study_toml"] = json!(text);
    v["errors"] = json!(issues.error_count());
    v["warnings"] = json!(issues.warning_count());
    v["issues"] = serde_json::to_value(&issues.issues).unwrap_or_default();
    v["suppressed"] = serde_json::to_value(&issues.suppressed).unwrap_or_default();
    Response::json(200, &v)
}

/// The design of a config as the page's form shows it.
fn design_json(cfg: &Config) -> Value {
    let d = &cfg.design;
    json!({
        "layout": cfg.data.layout,
        "arms": d.arms,
        "reference_arm": d.reference_arm,
        "timepoints": d.timepoints,
        "baseline": d.baseline,
        "primary_timepoint": d.primary_timepoint,
        "arm_labels": d.arm_labels,
        "timepoint_labels": d.timepoint_labels,
        "outcomes": cfg.outcomes.iter().map(|(k, o)| json!({
            "name": k, "label": o.label, "unit": o.unit,
            "better": o.better, "mcid": o.mcid,
        })).collect::<Vec<_>>(),
    })
}

/// `POST /api/study {study_toml, arms: [{from, to}], reference_arm, outcome_labels}`: the form's
/// edits applied to the study TOML; returns the new TOML and design.
fn study(v: &Value) -> Response {
    let text = match text_field(v, "study_toml") {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut cfg = match Config::from_toml(text) {
        Ok(c) => c,
        Err(e) => return Response::error(422, format!("the study TOML does not parse: {e}")),
    };
    apply_edits(&mut cfg, v);
    if let Err(e) = cfg.validate() {
        return Response::error(422, e.to_string());
    }
    match cfg.to_toml() {
        Ok(t) => {
            let mut out = design_json(&cfg);
            out["study_toml"] = json!(format!(
                "# Study file edited in `retrotrial app`; rerun with\n#   retrotrial analyze DATA --study study.toml\n\n{t}"
            ));
            Response::json(200, &out)
        }
        Err(e) => Response::error(500, e.to_string()),
    }
}

/// Renames arms (keeping the file's label mapped to the new name), sets the reference arm and
/// outcome labels.
fn apply_edits(cfg: &mut Config, v: &Value) {
    let d = &mut cfg.design;
    for r in v
        .get("arms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(from), Some(to)) = (
            r.get("from").and_then(Value::as_str),
            r.get("to").and_then(Value::as_str).map(str::trim),
        ) else {
            continue;
        };
        if from == to || to.is_empty() || !d.arms.iter().any(|a| a == from) {
            continue;
        }
        for a in &mut d.arms {
            if a == from {
                *a = to.to_string();
            }
        }
        if d.reference_arm.as_deref() == Some(from) {
            d.reference_arm = Some(to.to_string());
        }
        let mut labels = d.arm_labels.remove(from).unwrap_or_default();
        if !labels.iter().any(|l| l == from) {
            labels.push(from.to_string());
        }
        d.arm_labels.insert(to.to_string(), labels);
    }
    if let Some(r) = v.get("reference_arm").and_then(Value::as_str)
        && !r.is_empty()
    {
        d.reference_arm = Some(r.to_string());
    }
    if let Some(m) = v.get("outcome_labels").and_then(Value::as_object) {
        for (name, label) in m {
            if let (Some(o), Some(l)) = (cfg.outcomes.get_mut(name), label.as_str()) {
                o.label = Some(l.to_string());
            }
        }
    }
}

fn upload_file(st: &State, id: u64) -> Option<PathBuf> {
    let dir = st.session.join("uploads").join(id.to_string());
    std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n != "study.toml"))
}

/// `POST /api/analyze {upload, study_toml}`: `analyze` into a fresh run folder.
fn analyze(st: &State, v: &Value) -> Response {
    let Some(data) = v
        .get("upload")
        .and_then(Value::as_u64)
        .and_then(|id| upload_file(st, id))
    else {
        return Response::error(400, "`upload` must be the id /api/inspect returned");
    };
    let text = match text_field(v, "study_toml") {
        Ok(t) => t,
        Err(r) => return r,
    };
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
    if cfg.data.harms.is_some() || cfg.data.flow.is_some() || cfg.estimand.events.is_some() {
        let e = "the study file names companion files (data.harms, data.flow, estimand.events); run them with the command line";
        return Response::json(422, &json!({ "run": id, "error": e }));
    }
    match (st.backend.analyze)(&data, &cfg) {
        Ok(rs) => {
            let link = |f: &str| format!("/api/runs/{id}/{f}");
            Response::json(
                200,
                &json!({
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
            Response::json(
                422,
                &json!({ "run": id, "error": e.to_string(), "validation": issues }),
            )
        }
    }
}

/// `GET /api/runs/ID/FILE`: a run's report, records or study TOML (`?download` as a file).
fn run_file(st: &State, id: u64, name: &str, download: bool) -> Response {
    let Some((_, sub, ty)) = RUN_FILES.iter().find(|(n, _, _)| *n == name) else {
        return Response::error(404, "not found");
    };
    let path = st
        .session
        .join("runs")
        .join(id.to_string())
        .join(sub)
        .join(name);
    let Ok(bytes) = std::fs::read(&path) else {
        return Response::error(404, format!("run {id} has no {name}"));
    };
    let mut r = Response::new(200, ty, bytes);
    if name == "report.html" {
        // The report is self-contained (inline style and SVG): no script, nothing external.
        r = r.with(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
        );
    }
    if download {
        r = r.with(
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        );
    }
    r
}

/// `POST /api/runs/ID/save {folder}`: copies the run (report folder and study TOML) to a folder
/// the user typed, with the same rules as `--out` (created if absent, reused if empty or
/// written by retrotrial before).
fn save(st: &State, id: u64, v: &Value) -> Response {
    let folder = match text_field(v, "folder") {
        Ok(f) => PathBuf::from(f.trim()),
        Err(r) => return r,
    };
    if !folder.is_absolute() {
        return Response::error(400, "type a full folder path (starting with / or a drive)");
    }
    let run = st.session.join("runs").join(id.to_string());
    if !run.join("out").is_dir() {
        return Response::error(404, format!("run {id} has no results"));
    }
    let out = match output::OutDir::prepare(&folder) {
        Ok(o) => o,
        Err(e) => return Response::error(409, e.to_string()),
    };
    match copy_run(&run, &out) {
        Ok(n) => Response::json(200, &json!({ "saved": folder, "files": n })),
        Err(e) => Response::error(500, e.to_string()),
    }
}

fn copy_run(run: &Path, out: &output::OutDir) -> Result<usize, Error> {
    let mut n = 0;
    let mut todo = vec![(run.join("out"), String::new())];
    while let Some((dir, prefix)) = todo.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| super::io_error(&dir, e))?;
        for e in entries.flatten() {
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.path().is_dir() {
                todo.push((e.path(), format!("{name}/")));
            } else {
                let b = std::fs::read(e.path()).map_err(|x| super::io_error(&e.path(), x))?;
                out.write(&name, &b)?;
                n += 1;
            }
        }
    }
    let b = std::fs::read(run.join("study.toml")).map_err(|x| super::io_error(run, x))?;
    out.write("study.toml", &b)?;
    Ok(n + 1)
}

/// `GET /api/reproduce`: the literature pack's claims (claims.json of `reproduce --all`, run
/// once into the session folder).
fn reproduce(st: &State) -> Response {
    let mut cached = lock(&st.claims);
    if cached.is_none() {
        let out = st.session.join("reproduce");
        let args = ReproduceArgs {
            studies: Vec::new(),
            all: true,
            out: Some(out.clone()),
            literature: Some(st.literature.clone()),
            strict: false,
            png: false,
        };
        if !st.literature.is_dir() {
            return Response::error(
                404,
                format!(
                    "no literature pack at {}; start the app with --literature DIR",
                    st.literature.display()
                ),
            );
        }
        if let Err(e) = (st.backend.reproduce)(&args) {
            return Response::error(422, e.to_string());
        }
        match std::fs::read(out.join("claims.json")) {
            Ok(b) => *cached = Some(b),
            Err(e) => return Response::error(500, format!("reproduce wrote no claims: {e}")),
        }
    }
    let body = cached.clone().unwrap_or_default();
    Response::new(200, "application/json; charset=utf-8", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_exact() {
        assert_eq!(Route::of("/"), Some(Route::Page));
        assert_eq!(
            Route::of("/api/runs/3/records.json"),
            Some(Route::RunFile(3, "records.json"))
        );
        assert_eq!(Route::of("/api/runs/3/save"), Some(Route::Save(3)));
        for bad in [
            "/etc/passwd",
            "/api/runs/x/report.html",
            "/api/runs/1/../../x",
            "/api/runs/1/results.csv",
            "/app.js/x",
        ] {
            assert_eq!(Route::of(bad), None, "{bad}");
        }
    }

    #[test]
    fn upload_names_cannot_escape_the_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\x\\trial data.xlsx"), "trial_data.xlsx");
        assert_eq!(safe_name(".."), "data.csv");
        assert_eq!(safe_name(".bashrc"), "bashrc");
    }

    #[test]
    fn renaming_an_arm_keeps_the_file_label() {
        let mut cfg = Config::from_toml(
            "[design]\narms = [\"backward\", \"forward\"]\nreference_arm = \"forward\"\n",
        )
        .unwrap();
        apply_edits(
            &mut cfg,
            &json!({ "arms": [{ "from": "forward", "to": "walking" }] }),
        );
        assert_eq!(cfg.design.arms, ["backward", "walking"]);
        assert_eq!(cfg.design.reference_arm.as_deref(), Some("walking"));
        assert_eq!(cfg.design.arm_labels["walking"], ["forward"]);
    }
}
