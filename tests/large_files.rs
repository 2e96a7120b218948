//! Large job files of each shape: many keys in one mapping, many headers,
//! many jobs, long lists, many placeholders. Each must be read whole and
//! give the right answer; how long that takes per kilobyte is measured by
//! `bench/parse`, never here. Before parsing was made linear, the larger of
//! these took minutes (comparing every key of a mapping with every other).

mod common;

use common::Sandbox;

const HEAD: &str = "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/x\"\n    method: POST\n";

fn dry_run(text: &str) -> common::Run {
    let run = Sandbox::with_jobs(text).run(&["run", "a", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[test]
fn a_mapping_of_many_keys_is_sent_whole() {
    let keys = 50_000;
    let mut text = format!("{HEAD}    data:\n");
    for i in 0..keys {
        text.push_str(&format!("      k{i}: v{i}\n"));
    }
    let run = dry_run(&text);
    let body = run.stdout.lines().last().unwrap();
    let data: serde_json::Value = serde_json::from_str(body).unwrap();
    let data = data.as_object().unwrap();
    assert_eq!(data.len(), keys);
    assert_eq!(data["k0"], "v0");
    assert_eq!(data[&format!("k{}", keys - 1)], format!("v{}", keys - 1));
    // In the order written.
    assert!(
        body.starts_with("{\"k0\":\"v0\",\"k1\":\"v1\","),
        "{}",
        &body[..40]
    );
}

#[test]
fn a_duplicate_key_at_the_end_of_a_large_mapping_points_at_the_first() {
    let mut text = format!("{HEAD}    data:\n");
    for i in 0..50_000 {
        text.push_str(&format!("      k{i}: v{i}\n"));
    }
    text.push_str("      k7: again\n");
    let run = Sandbox::with_jobs(&text).run(&["validate"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("duplicate key `k7`"), "{}", run.stderr);
    // The first `k7` is on line 14 (the head is 5 lines, `data:` the 6th).
    assert!(
        run.stderr.contains("note: first defined at jobs.yaml:14:7"),
        "{}",
        run.stderr
    );
}

#[test]
fn many_headers_are_sent_in_order_and_a_later_name_replaces_an_earlier() {
    let headers = 20_000;
    let mut text = String::from("global:\n  defaultHeaders:\n    X-Team: ops\n");
    text.push_str(&HEAD.replace("method: POST\n", "method: POST\n    headers:\n"));
    for i in 0..headers {
        text.push_str(&format!("      X-Custom-{i}: \"v{i}\"\n"));
    }
    // Header names are compared in any case: these replace earlier ones
    // where they stood.
    text.push_str("      x-team: dev\n      x-custom-5: five\n");
    let run = dry_run(&text);
    // The request as it goes on the wire: the transport's own headers
    // first, up to `host`, then the job's.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let first = lines.iter().position(|l| l.starts_with("host: ")).unwrap() + 1;
    let sent: Vec<String> = lines[first..first + 1 + headers]
        .iter()
        .map(|l| l.to_ascii_lowercase())
        .collect();
    let mut expected = vec!["x-team: dev".to_string()];
    expected.extend((0..headers).map(|i| {
        if i == 5 {
            "x-custom-5: five".to_string()
        } else {
            format!("x-custom-{i}: v{i}")
        }
    }));
    assert_eq!(sent, expected);
    assert!(!run.stdout.contains("ops"), "the default is replaced");
}

#[test]
fn many_jobs_are_all_checked_and_any_one_runs() {
    let count = 20_000;
    let mut text = String::from("jobs:\n");
    for i in 0..count {
        text.push_str(&format!(
            "  - name: job-{i}\n    schedule: \"*/15 * * * *\"\n    url: \"https://e.com/{i}\"\n"
        ));
    }
    let sandbox = Sandbox::with_jobs(&text);
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("ok, {count} jobs ({count} enabled), 0 warnings")),
        "{}",
        run.stdout
    );
    let last = format!("job-{}", count - 1);
    let run = sandbox.run(&["run", &last, "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with(&format!("GET https://e.com/{}\n", count - 1))
    );
}

#[test]
fn a_long_list_is_sent_whole() {
    let items = 100_000;
    let mut text = format!("{HEAD}    data:\n      items:\n");
    for i in 0..items {
        text.push_str(&format!("        - {i}\n"));
    }
    let run = dry_run(&text);
    let body: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
    let list = body["items"].as_array().unwrap();
    assert_eq!(list.len(), items);
    assert_eq!(list[items - 1], items - 1);
}

#[test]
fn a_large_merged_mapping_keeps_the_keys_written_beside_it() {
    let keys = 20_000;
    let mut text = format!("{HEAD}    data: &shared\n");
    for i in 0..keys {
        text.push_str(&format!("      k{i}: v{i}\n"));
    }
    text.push_str(
        "  - name: b\n    schedule: \"* * * * *\"\n    url: \"https://e.com/y\"\n    method: POST\n    data:\n      k9: nine\n      <<: *shared\n      extra: yes\n",
    );
    let run = Sandbox::with_jobs(&text).run(&["run", "b", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let body: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
    let body = body.as_object().unwrap();
    assert_eq!(body.len(), keys + 1);
    assert_eq!(body["k9"], "nine");
    assert_eq!(body["k10"], "v10");
    assert_eq!(body["extra"], "yes");
}

#[test]
fn many_placeholders_are_filled_in_and_each_missing_one_is_named() {
    let count = 20_000;
    let with_defaults: String = (0..count).map(|i| format!("${{V{i}:-x}}")).collect();
    let run = dry_run(&format!("{HEAD}    body: \"{with_defaults}\"\n"));
    assert_eq!(run.stdout.lines().last().unwrap(), "x".repeat(count));

    // One on each line, so that quoting each line stays short.
    let mut text = format!("{HEAD}    data:\n");
    for i in 0..count {
        text.push_str(&format!("      k{i}: \"${{V{i}}}\"\n"));
    }
    let sandbox = Sandbox::with_jobs(&text);
    let run = sandbox.run(&["validate", "--env"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    // The first fifty in full, the rest counted; JSON lists every one.
    assert_eq!(run.stderr.matches("is not set (job `a`)").count(), 50);
    assert!(
        run.stderr
            .contains(&format!("… and {} more problems not shown", count - 50)),
        "{}",
        &run.stderr[run.stderr.len() - 500..]
    );
    let json = sandbox.run(&["validate", "--env", "--format", "json"]);
    assert_eq!(json.stdout.matches("is not set (job `a`)").count(), count);
    // Each is pointed at where it is written.
    assert!(
        run.stderr
            .contains("error: variable `V1` is not set (job `a`)\n --> jobs.yaml:8:12\n"),
        "{}",
        &run.stderr[..2000]
    );
}
