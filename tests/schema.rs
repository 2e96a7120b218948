//! `jobrun schema` against `validate`: the files `validate` accepts pass the
//! schema, and for every key and every kind of value, the schema and
//! `validate` agree on what is the wrong shape. Checked with a real
//! validator (Python's jsonschema, in the consumers group); the broken
//! files of tests/broken_files.rs are checked there.

mod common;

use std::path::PathBuf;

use common::{Sandbox, json_schema, repo_file};
use serde_json::Value;

fn schema() -> Value {
    let run = Sandbox::new().run(&["schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("the schema is JSON")
}

#[test]
fn schema_is_draft_2020_12_with_no_unknown_key_allowed() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["required"], serde_json::json!(["jobs"]));
    let mut mappings = 0;
    let mut keys = 0;
    for (name, def) in schema["$defs"].as_object().unwrap() {
        if let Some(properties) = def.get("properties") {
            mappings += 1;
            assert_eq!(def["additionalProperties"], false, "{name}");
            for (key, property) in properties.as_object().unwrap() {
                keys += 1;
                let description = property["description"].as_str().unwrap_or_default();
                assert!(description.len() > 10, "{name}.{key} has no description");
            }
        }
    }
    assert_eq!(mappings, 5, "global, job, dependsOn, notify, notification");
    assert!(keys >= 45, "{keys}");
    let job = &schema["$defs"]["job"];
    assert_eq!(
        job["required"],
        serde_json::json!(["name", "schedule", "url"])
    );
    assert_eq!(
        job["properties"]["concurrency"]["enum"],
        serde_json::json!(["forbid", "allow"])
    );
}

/// The keys of each mapping the schema defines, by `$defs` name (`file`
/// for the top level).
fn mappings(schema: &Value) -> Vec<(String, Vec<String>)> {
    let keys = |object: &Value| -> Vec<String> {
        object["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let mut out = vec![("file".to_string(), keys(schema))];
    for (name, def) in schema["$defs"].as_object().unwrap() {
        if def.get("properties").is_some() {
            out.push((name.clone(), keys(def)));
        }
    }
    out
}

/// A job file, valid but for `key: value` in `mapping`.
fn probe_file(mapping: &str, key: &str, value: &str) -> String {
    // A job, with `key` written in place of one of its own keys.
    let job = |extra: &str| {
        let mut lines = vec![
            ("name", "a".to_string()),
            ("schedule", "\"* * * * *\"".to_string()),
            ("url", "\"https://e.com/x\"".to_string()),
        ];
        let mut text = String::from("jobs:\n");
        if mapping == "job" {
            match lines.iter_mut().find(|(k, _)| *k == key) {
                Some(line) => line.1 = value.to_string(),
                None => lines.push((key, value.to_string())),
            }
        }
        for (i, (k, v)) in lines.iter().enumerate() {
            text.push_str(&format!(
                "{}{k}: {v}\n",
                if i == 0 { "  - " } else { "    " }
            ));
        }
        text.push_str(extra);
        // The job `dependsOn` refers to.
        text.push_str("  - name: b\n    schedule: \"* * * * *\"\n    url: \"https://e.com/y\"\n");
        text
    };
    // `key: value` in a mapping whose other keys are `given`, at `indent`.
    let nested = |given: &[(&str, &str)], indent: &str| {
        let mut text = String::new();
        let mut placed = false;
        for (k, v) in given {
            let v = if *k == key {
                placed = true;
                value
            } else {
                v
            };
            text.push_str(&format!("{indent}{k}: {v}\n"));
        }
        if !placed {
            text.push_str(&format!("{indent}{key}: {value}\n"));
        }
        text
    };
    match mapping {
        "file" if key == "jobs" => format!("jobs: {value}\n"),
        "file" => format!("{key}: {value}\njobs: []\n"),
        "global" => format!("global:\n{}jobs: []\n", nested(&[], "  ")),
        "job" => job(""),
        "dependsOn" => job(&format!(
            "    dependsOn:\n{}",
            nested(&[("job", "b")], "      ")
        )),
        "notify" => job(&format!(
            "    notify:\n{}",
            nested(&[("onFailure", "{url: \"https://e.com/n\"}")], "      ")
        )),
        "notification" => job(&format!(
            "    notify:\n      onFailure:\n{}",
            nested(&[("url", "\"https://e.com/n\"")], "        ")
        )),
        other => panic!("no probe for the mapping `{other}`"),
    }
}

/// Values of every kind YAML has, and the edges of the usual ranges.
const PROBES: &[&str] = &[
    "null", "true", "false", "5", "-1", "0", "x", "\"\"", "[1]", "{a: 1}", "\"30s\"",
];

/// Where the schema knowingly accepts what `validate` refuses: checks of
/// meaning, not shape. Each is (mapping, key, value, why).
const SCHEMA_CANNOT_TELL: &[(&str, &str, &str, &str)] = &[
    (
        "global",
        "timezone",
        "x",
        "whether a zone exists is a lookup, not a shape",
    ),
    (
        "global",
        "timezone",
        "\"30s\"",
        "whether a zone exists is a lookup, not a shape",
    ),
    (
        "job",
        "timezone",
        "x",
        "whether a zone exists is a lookup, not a shape",
    ),
    (
        "job",
        "timezone",
        "\"30s\"",
        "whether a zone exists is a lookup, not a shape",
    ),
    (
        "dependsOn",
        "job",
        "x",
        "which jobs exist is known only with the whole file",
    ),
    (
        "dependsOn",
        "job",
        "\"30s\"",
        "which jobs exist is known only with the whole file",
    ),
];

#[test]
#[ignore = "consumer: needs python3 with jsonschema and ruamel.yaml"]
fn schema_and_validate_agree_on_every_key_and_kind_of_value() {
    let sandbox = Sandbox::new();
    let schema_path = sandbox.write("schema.json", Sandbox::new().run(&["schema"]).stdout);
    let schema = schema();
    let mut cases = Vec::new();
    for (mapping, keys) in mappings(&schema) {
        for key in keys {
            for (i, value) in PROBES.iter().enumerate() {
                let name = format!("{mapping}-{key}-{i}.yaml");
                let path = sandbox.write(&name, probe_file(&mapping, &key, value));
                cases.push((mapping.clone(), key.clone(), *value, path));
            }
        }
    }
    assert!(cases.len() > 400, "{}", cases.len());
    let files: Vec<PathBuf> = cases.iter().map(|c| c.3.clone()).collect();
    let verdicts = json_schema::check(&schema_path, &files);
    let mut disagreements = Vec::new();
    for ((mapping, key, value, path), verdict) in cases.iter().zip(&verdicts) {
        let run = sandbox.run(&["--config", path.to_str().unwrap(), "validate"]);
        assert!(
            run.code == 0 || run.code == 3,
            "{}: {}",
            path.display(),
            run.stderr
        );
        let validate_accepts = run.code == 0;
        let schema_accepts = verdict.verdict == "ok";
        let known = SCHEMA_CANNOT_TELL
            .iter()
            .any(|(m, k, v, _)| m == mapping && k == key && v == value);
        // A listed probe is one the schema accepts and `validate` refuses;
        // any other is a disagreement, a listed one that agrees too.
        let expected = if known {
            (false, true)
        } else {
            (schema_accepts, schema_accepts)
        };
        if (validate_accepts, schema_accepts) != expected {
            disagreements.push(format!(
                "{mapping}.{key}: {value}: validate {}, the schema {} {:?}{}\n{}",
                if validate_accepts {
                    "accepts"
                } else {
                    "refuses"
                },
                if schema_accepts { "accepts" } else { "refuses" },
                verdict.errors,
                if known {
                    " (listed in SCHEMA_CANNOT_TELL)"
                } else {
                    ""
                },
                run.stderr.lines().next().unwrap_or_default()
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} probes disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}

/// Every job file the repository holds that `validate` accepts: the
/// shipped one, the Node scheduler's, the export fixtures, the example in
/// docs/job-file.md and what `init` writes.
fn accepted_files(sandbox: &Sandbox) -> Vec<PathBuf> {
    let mut files = vec![repo_file("jobs.yaml")];
    for dir in ["node-scheduler", "exports"] {
        for entry in std::fs::read_dir(common::fixture(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    let docs = std::fs::read_to_string(repo_file("docs/job-file.md")).unwrap();
    let example = docs
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/job-file.md has an example");
    files.push(sandbox.write("docs-example.yaml", example));
    let init = Sandbox::new();
    assert_eq!(init.run(&["init"]).code, 0);
    files.push(sandbox.write("init.yaml", std::fs::read(init.path("jobs.yaml")).unwrap()));
    files
}

#[test]
#[ignore = "consumer: needs python3 with jsonschema and ruamel.yaml"]
fn every_file_validate_accepts_passes_the_schema() {
    let sandbox = Sandbox::new();
    let schema_path = sandbox.write("schema.json", Sandbox::new().run(&["schema"]).stdout);
    let files = accepted_files(&sandbox);
    assert!(files.len() >= 9, "{files:?}");
    for file in &files {
        let run = sandbox.run(&["--config", file.to_str().unwrap(), "validate"]);
        assert_eq!(run.code, 0, "{}: {}", file.display(), run.stderr);
    }
    for verdict in json_schema::check(&schema_path, &files) {
        assert_eq!(
            verdict.verdict,
            "ok",
            "{}: {:?}",
            verdict.file.display(),
            verdict.errors
        );
    }
}
