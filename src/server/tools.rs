//! The app's other commands: `POST /api/upload` stores a file (a paper, a summary table, a
//! studies table); `POST /api/check`, `/api/meta` and `/api/power` run those commands on it
//! into a fresh run folder. The form's fields become a command line that clap parses exactly as
//! it parses a typed one (same flags, same checks, same messages); only the fields each form
//! has are taken, so a page can never choose where anything is written.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;

use clap::Parser;
use serde_json::{Value, json};

use super::State;
use super::api::{create_dir, safe_name, upload_file};
use super::http::{Request, Response};
use super::runs::run_dir;
use crate::cli::{Cli, Command};

/// The fields of the check form and the flags they become.
const CHECK_FIELDS: [&str; 1] = ["items"];
/// The fields of the meta form.
const META_FIELDS: [&str; 5] = ["measure", "method", "test", "outcome", "better"];
/// The fields of the power form.
const POWER_FIELDS: [&str; 12] = [
    "design",
    "delta",
    "sd",
    "rho",
    "p1",
    "p2",
    "n",
    "power",
    "alpha",
    "one_sided",
    "ratio",
    "arms",
];

/// `POST /api/upload?name=FILE`: the body stored as FILE in a fresh upload folder;
/// `{upload, file, bytes}`.
pub(super) fn upload(st: &State, req: &Request, len: u64, body: &mut dyn Read) -> Response {
    let id = st.fresh_id();
    let name = safe_name(req.query("name").unwrap_or("upload.txt"));
    let dir = st.session.join("uploads").join(id.to_string());
    if let Err(r) = create_dir(&dir) {
        return r;
    }
    let path = dir.join(&name);
    let copied =
        std::fs::File::create(&path).and_then(|mut f| std::io::copy(&mut body.take(len), &mut f));
    match copied {
        Ok(n) if n == len => {
            Response::json(200, &json!({ "upload": id, "file": name, "bytes": n }))
        }
        Ok(_) => Response::error(400, "the upload ended early"),
        Err(e) => Response::error(500, format!("cannot store the upload: {e}")),
    }
}

/// The uploaded file named by the body's `key`, with its name.
fn uploaded(st: &State, v: &Value, key: &str) -> Result<(std::path::PathBuf, String), Response> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|id| upload_file(st, id))
        .and_then(|p| {
            let n = p.file_name()?.to_string_lossy().to_string();
            Some((p, n))
        })
        .ok_or_else(|| Response::error(400, format!("`{key}` must be an id /api/upload returned")))
}

/// The command line of a form: `retrotrial CMD POSITIONAL…`, then `--field value` for each
/// allowed field with a value (`_` written `-`; `true` a bare flag, `false` nothing).
fn argv(cmd: &str, positional: &[&Path], v: &Value, allowed: &[&str]) -> Vec<OsString> {
    let mut a: Vec<OsString> = vec!["retrotrial".into(), cmd.into()];
    a.extend(positional.iter().map(|p| p.as_os_str().to_owned()));
    for key in allowed {
        let flag = format!("--{}", key.replace('_', "-"));
        match v.get(*key) {
            Some(Value::Bool(true)) => a.push(flag.into()),
            Some(Value::String(s)) if !s.trim().is_empty() => {
                a.push(flag.into());
                a.push(s.trim().into());
            }
            Some(Value::Number(n)) => {
                a.push(flag.into());
                a.push(n.to_string().into());
            }
            _ => {}
        }
    }
    a
}

/// The command clap makes of a form's command line, or its message as a 422.
fn parse(argv: Vec<OsString>) -> Result<Command, Response> {
    match Cli::try_parse_from(argv) {
        Ok(cli) => Ok(cli.command),
        Err(e) => {
            let text = e.render().to_string();
            let first = text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("For more information"))
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ");
            Err(Response::json(
                422,
                &json!({ "error": first.trim_start_matches("error: ") }),
            ))
        }
    }
}

/// An error's text with the session paths of the uploads replaced by the names the user gave.
fn shown_error(e: &crate::error::Error, files: &[(&Path, &str)]) -> String {
    let mut t = e.to_string();
    for (p, n) in files {
        t = t.replace(&p.display().to_string(), n);
    }
    t
}

fn out_arg(out: &Path) -> [OsString; 2] {
    ["--out".into(), out.as_os_str().to_owned()]
}

/// `POST /api/check {upload, reported?, items?}`: `check` on an uploaded paper (its report in
/// the page) or summary table (the text the command prints).
pub(super) fn check(st: &State, v: &Value) -> Response {
    let (data, name) = match uploaded(st, v, "upload") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reported = match v.get("reported") {
        Some(Value::Number(_)) => match uploaded(st, v, "reported") {
            Ok(x) => Some(x),
            Err(r) => return r,
        },
        _ => None,
    };
    let id = st.fresh_id();
    let dir = run_dir(st, id);
    if let Err(r) = create_dir(&dir) {
        return r;
    }
    let out = dir.join("out");
    let mut a = argv("check", &[&data], v, &CHECK_FIELDS);
    a.extend(out_arg(&out));
    if let Some((p, _)) = &reported {
        a.push("--reported".into());
        a.push(p.as_os_str().to_owned());
    }
    let args = match parse(a) {
        Ok(Command::Check(c)) => c,
        Ok(_) => return Response::error(500, "not a check command"),
        Err(r) => return r,
    };
    let text = match (st.backend.check)(&args, &name) {
        Ok(t) => t,
        Err(e) => {
            let mut files = vec![(data.as_path(), name.as_str())];
            if let Some((p, n)) = &reported {
                files.push((p.as_path(), n.as_str()));
            }
            return Response::json(
                422,
                &json!({ "run": id, "error": shown_error(&e, &files), "file": name }),
            );
        }
    };
    let link = |f: &str| format!("/api/runs/{id}/{f}");
    if out.join("report.html").is_file() {
        // A paper: the verdicts counted from check.json (the text line names the session folder).
        let rows: Vec<Value> = std::fs::read(out.join("check.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for r in &rows {
            if let Some(v) = r.get("verdict").and_then(Value::as_str) {
                *counts.entry(v.to_string()).or_default() += 1;
            }
        }
        return Response::json(
            200,
            &json!({
                "run": id, "file": name, "kind": "paper", "results": rows.len(), "verdicts": counts,
                "links": { "report": link("report.html"), "checks": link("check.json") },
            }),
        );
    }
    Response::json(
        200,
        &json!({ "run": id, "file": name, "kind": "table", "text": text }),
    )
}

/// `POST /api/meta {upload, measure?, method?, test?, outcome?, better?}`: `meta` on an uploaded
/// studies table; its report (forest and funnel plots) in the page.
pub(super) fn meta(st: &State, v: &Value) -> Response {
    let (data, name) = match uploaded(st, v, "upload") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = st.fresh_id();
    let dir = run_dir(st, id);
    if let Err(r) = create_dir(&dir) {
        return r;
    }
    let mut a = argv("meta", &[&data], v, &META_FIELDS);
    a.extend(out_arg(&dir.join("out")));
    let args = match parse(a) {
        Ok(Command::Meta(m)) => m,
        Ok(_) => return Response::error(500, "not a meta command"),
        Err(r) => return r,
    };
    let out = dir.join("out");
    match (st.backend.meta)(&args, &name) {
        Ok(_) => {
            let link = |f: &str| format!("/api/runs/{id}/{f}");
            Response::json(
                200,
                &json!({
                    "run": id, "file": name,
                    "links": { "report": link("report.html"), "records": link("records.json") },
                }),
            )
        }
        Err(e) => {
            // Invalid studies: their problems, for the page to list.
            let report = out.join("validation.md");
            let validation: Value = std::fs::read(out.join("validation.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null);
            let files = [
                (data.as_path(), name.as_str()),
                (report.as_path(), "the problems listed below"),
            ];
            Response::json(
                422,
                &json!({ "run": id, "error": shown_error(&e, &files), "validation": validation }),
            )
        }
    }
}

/// `POST /api/power {design?, delta?, sd?, rho?, p1?, p2?, n?, power?, alpha?, one_sided?,
/// ratio?, arms?}`: the closed-form `power`; its table, `power.json` and the power curve.
pub(super) fn power(st: &State, v: &Value) -> Response {
    let id = st.fresh_id();
    let dir = run_dir(st, id);
    if let Err(r) = create_dir(&dir) {
        return r;
    }
    let mut a = argv("power", &[], v, &POWER_FIELDS);
    a.extend(out_arg(&dir.join("out")));
    let args = match parse(a) {
        Ok(Command::Power(p)) => p,
        Ok(_) => return Response::error(500, "not a power command"),
        Err(r) => return r,
    };
    match (st.backend.power)(&args) {
        Ok(table) => {
            let result: Value = std::fs::read(dir.join("out").join("power.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null);
            let link = |f: &str| format!("/api/runs/{id}/{f}");
            Response::json(
                200,
                &json!({
                    "run": id, "table": table, "result": result,
                    "links": { "figure": link("power_curve.svg"), "json": link("power.json") },
                }),
            )
        }
        Err(e) => Response::json(422, &json!({ "run": id, "error": e.to_string() })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_becomes_a_command_line_of_its_allowed_fields_only() {
        let v = json!({
            "design": "ancova", "delta": 1.5, "sd": " 2 ", "rho": "", "one_sided": true,
            "arms": false, "out": "/etc", "study": "x.toml",
        });
        let a = argv("power", &[], &v, &POWER_FIELDS);
        let a: Vec<String> = a.iter().map(|s| s.to_string_lossy().to_string()).collect();
        assert_eq!(
            a,
            [
                "retrotrial",
                "power",
                "--design",
                "ancova",
                "--delta",
                "1.5",
                "--sd",
                "2",
                "--one-sided"
            ]
        );
    }

    #[test]
    fn clap_checks_a_form_as_it_checks_a_typed_command() {
        let v = json!({ "design": "sideways", "delta": 1 });
        let Err(r) = parse(argv("power", &[], &v, &POWER_FIELDS)) else {
            panic!("an unknown design parses");
        };
        assert_eq!(r.status, 422);
        let text = String::from_utf8_lossy(&r.body).to_string();
        assert!(
            text.contains("sideways") && text.contains("two_sample_t"),
            "{text}"
        );
        let ok = parse(argv(
            "power",
            &[],
            &json!({ "n": 20, "delta": 1 }),
            &POWER_FIELDS,
        ));
        assert!(matches!(ok, Ok(Command::Power(_))));
    }
}
