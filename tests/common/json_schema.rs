//! Checking job files against `jobrun schema` with a real JSON Schema
//! validator: Python's `jsonschema`, reading YAML as YAML 1.2 (as jobrun
//! and the YAML language server do) with `ruamel.yaml`. A consumer: the
//! tests using it are in the consumers group.

use std::path::{Path, PathBuf};

/// Reads the schema and each file; prints one line per file: `ok`, or
/// `bad` and the validator's first messages. A file that is not YAML
/// the loader can read is `unreadable`.
const CHECKER: &str = r#"
import datetime, json, sys
try:
    import jsonschema
    from ruamel.yaml import YAML
except ImportError as e:
    sys.exit(f"consumer test needs Python's jsonschema and ruamel.yaml ({e}); .ci/run installs them")

def plain(value):
    # YAML 1.2's core schema has no timestamps: jobrun reads them as strings.
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
yaml = YAML(typ="safe", pure=True)
for path in sys.argv[2:]:
    try:
        with open(path, encoding="utf-8") as f:
            data = plain(yaml.load(f))
    except Exception as e:
        print(json.dumps({"file": path, "verdict": "unreadable", "errors": [str(e)[:200]]}))
        continue
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    print(json.dumps({
        "file": path,
        "verdict": "bad" if errors else "ok",
        "errors": [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:3]],
    }))
"#;

pub struct Verdict {
    pub file: PathBuf,
    /// `ok`, `bad` or `unreadable`.
    pub verdict: String,
    pub errors: Vec<String>,
}

/// Each file's verdict, in the order given.
pub fn check(schema: &Path, files: &[PathBuf]) -> Vec<Verdict> {
    let python = super::consumer::require("python3");
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(CHECKER)
        .arg(schema)
        .args(files)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the schema check failed: {stderr}");
    let verdicts: Vec<Verdict> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            Verdict {
                file: PathBuf::from(value["file"].as_str().unwrap()),
                verdict: value["verdict"].as_str().unwrap().to_string(),
                errors: value["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_string())
                    .collect(),
            }
        })
        .collect();
    assert_eq!(verdicts.len(), files.len(), "{stderr}");
    verdicts
}
