//! The manual pages (`jobrun man`), the completions and `--version`: what
//! the package installs for a person who never reads the source.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::Sandbox;

/// The commands `jobrun --help` lists, but `help`.
fn commands() -> Vec<String> {
    let help = Sandbox::new().run(&["--help"]).stdout;
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The long options `jobrun COMMAND --help` lists.
fn long_options(command: &str) -> Vec<String> {
    let help = Sandbox::new().run(&[command, "--help"]).stdout;
    help.split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| w.trim_end_matches([',', '.', ')']).to_string())
        .filter(|w| w.len() > 2 && w[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect()
}

/// Every page, written by `man --dir`.
fn pages(sandbox: &Sandbox) -> std::path::PathBuf {
    let dir = sandbox.path("man/man1");
    let run = sandbox.run(&["man", "--dir", "man/man1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "", "pages go to the directory only");
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The roff between `.SH TITLE` and the next `.SH`.
fn section<'a>(page: &'a str, title: &str) -> &'a str {
    let heading = if title.contains(' ') {
        format!(".SH \"{title}\"\n")
    } else {
        format!(".SH {title}\n")
    };
    let start = page
        .find(&heading)
        .unwrap_or_else(|| panic!("no {title} in\n{page}"))
        + heading.len();
    let rest = &page[start..];
    &rest[..rest.find("\n.SH ").map_or(rest.len(), |end| end + 1)]
}

#[test]
fn man_dir_writes_a_page_for_jobrun_and_for_every_command() {
    let sandbox = Sandbox::new();
    let dir = pages(&sandbox);
    let commands = commands();
    assert!(commands.len() >= 13, "{commands:?}");
    let mut expected: BTreeSet<String> = commands.iter().map(|c| format!("jobrun-{c}.1")).collect();
    expected.insert("jobrun.1".into());
    let written: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(written, expected);
    for command in &commands {
        let page = read(&dir, &format!("jobrun-{command}.1"));
        let title = format!(".TH \"JOBRUN-{}\" 1 ", command.to_uppercase());
        assert!(page.contains(&title), "{command}: {page}");
        // Each option `--help` shows is on the page, with its words.
        for option in long_options(command) {
            let roff = option.replace('-', "\\-");
            assert!(page.contains(&roff), "{command}: no {option} in\n{page}");
        }
        assert!(
            section(&page, "SYNOPSIS").contains(&format!("jobrun {}", command.replace('-', "\\-"))),
            "{page}"
        );
    }
}

#[test]
fn exit_codes_are_a_roff_list_not_a_reflowed_paragraph() {
    let sandbox = Sandbox::new();
    let dir = pages(&sandbox);
    // Each page lists, as `.TP` items tagged with the code, the codes its
    // command's `--help` ends with.
    for (name, args) in [
        ("jobrun.1", vec!["--help"]),
        ("jobrun-run.1", vec!["run", "--help"]),
        ("jobrun-status.1", vec!["status", "--help"]),
    ] {
        let help = Sandbox::new().run(&args).stdout;
        let codes: Vec<&str> = help
            .lines()
            .skip_while(|l| *l != "Exit codes:")
            .skip(1)
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(codes.len() >= 3, "{name}: {help}");
        let page = read(&dir, name);
        let status = section(&page, "EXIT STATUS");
        for code in &codes {
            assert!(
                status.contains(&format!(".TP\n\\fB{code}\\fR\n")),
                "{name}: code {code} is not an item:\n{status}"
            );
        }
        assert!(!page.contains(".SH EXTRA"), "{name}");
    }
    // A continuation line stays with its code.
    let page = read(&dir, "jobrun.1");
    let top = section(&page, "EXIT STATUS");
    assert!(top.contains("unset variable, a state directory"), "{top}");
}

#[test]
fn see_also_names_only_pages_that_exist() {
    let sandbox = Sandbox::new();
    let dir = pages(&sandbox);
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let page = read(&dir, &name);
        let see_also = section(&page, "SEE ALSO");
        for part in see_also.split("\\fB").skip(1) {
            let Some((target, rest)) = part.split_once("\\fR") else {
                continue;
            };
            if let Some(number) = rest.strip_prefix('(').and_then(|r| r.get(..1)) {
                let file = format!("{}.{number}", target.replace("\\-", "-"));
                assert!(
                    dir.join(&file).is_file(),
                    "{name} refers to {file}, not written"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 13, "{checked} references checked");
    // The top page names every command's page.
    let top = read(&dir, "jobrun.1");
    for command in commands() {
        assert!(
            section(&top, "SEE ALSO").contains(&format!(
                "\\fBjobrun\\-{}\\fR(1)",
                command.replace('-', "\\-")
            )),
            "{command}"
        );
    }
}

#[test]
fn man_prints_one_page_and_names_a_wrong_command() {
    let run = Sandbox::new().run(&["man"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains(".TH \"JOBRUN\" 1 "), "{}", run.stdout);
    assert_eq!(run.stdout.matches(".ds Aq").count(), 2, "one preamble");
    let run = Sandbox::new().run(&["man", "catch-up"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains(".TH \"JOBRUN-CATCH-UP\" 1 "));
    let run = Sandbox::new().run(&["man", "rnu"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: jobrun has no command `rnu`\n  = help: did you mean `run`?\n"
    );
    let run = Sandbox::new().run(&["man", "run", "--dir", "x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn man_dir_that_cannot_be_written_is_named() {
    let sandbox = Sandbox::new();
    sandbox.write("file", "x");
    let run = sandbox.run(&["man", "--dir", "file/man1"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot write the manual pages into `file/man1`: "),
        "{}",
        run.stderr
    );
}

#[test]
#[ignore = "consumer: needs man (man-db) and groff"]
fn every_page_renders_without_a_groff_warning() {
    let man = common::consumer::require("man");
    let sandbox = Sandbox::new();
    let dir = pages(&sandbox);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let output = std::process::Command::new(&man)
            .args(["--warnings", "-E", "UTF-8", "-l"])
            .arg(&path)
            .env("MANWIDTH", "80")
            .output()
            .expect("man runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{}: {stderr}", path.display());
        assert_eq!(stderr, "", "{}", path.display());
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("EXIT STATUS"), "{}", path.display());
        // Rendered, each code starts its own line: every command's 0 and
        // 2, and the signal codes of the commands that run jobs.
        let name = path.file_name().unwrap().to_string_lossy();
        let codes: &[&str] = match name.as_ref() {
            "jobrun.1" | "jobrun-run.1" | "jobrun-catch-up.1" => {
                &["0", "2", "75", "129", "130", "143"]
            }
            _ => &["0", "2"],
        };
        for code in codes {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{code} "))),
                "{}: code {code} is not on its own line:\n{text}",
                path.display()
            );
        }
    }
}

#[test]
fn completions_are_written_for_each_shell_with_every_command() {
    for (shell, marker) in [
        ("bash", "complete -F _jobrun"),
        ("zsh", "#compdef jobrun"),
        ("fish", "complete -c jobrun"),
    ] {
        let run = Sandbox::new().run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        for command in commands() {
            assert!(run.stdout.contains(&command), "{shell}: no {command}");
        }
    }
}

#[test]
#[ignore = "consumer: needs bash"]
fn bash_completes_commands_and_options() {
    let bash = common::consumer::require("bash");
    let sandbox = Sandbox::new();
    let script = sandbox.write(
        "jobrun.bash",
        Sandbox::new().run(&["completions", "bash"]).stdout,
    );
    // What bash does on TAB: call the function with the words so far.
    let complete = |words: &str, index: usize| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={index}; COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; _jobrun jobrun \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let output = std::process::Command::new(&bash)
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let commands = complete("jobrun ''", 1);
    for command in ["run", "validate", "catch-up", "man"] {
        assert!(commands.lines().any(|l| l == command), "{commands}");
    }
    let options = complete("jobrun run --dr", 2);
    assert_eq!(options.trim(), "--dry-run");
}

#[test]
fn version_names_the_commit_when_built_from_a_clone() {
    let run = Sandbox::new().run(&["--version"]);
    assert_eq!(run.code, 0);
    let version = env!("CARGO_PKG_VERSION");
    match head_commit(Path::new(env!("CARGO_MANIFEST_DIR"))) {
        Some(commit) => {
            let short = &commit[..12];
            assert!(
                run.stdout
                    .starts_with(&format!("jobrun {version} ({short} 2")),
                "{}",
                run.stdout
            );
        }
        None => assert_eq!(run.stdout, format!("jobrun {version}\n")),
    }
}

/// The commit HEAD names, read from the files git keeps (no git needed):
/// `.git` is a directory, or in a linked work tree a file naming one.
fn head_commit(top: &Path) -> Option<String> {
    let dot_git = top.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        let text = std::fs::read_to_string(&dot_git).ok()?;
        top.join(text.strip_prefix("gitdir:")?.trim())
    };
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(path) => git_dir.join(path.trim()),
        Err(_) => git_dir.clone(),
    };
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let Some(reference) = head.trim().strip_prefix("ref:").map(str::trim) else {
        return Some(head.trim().to_string());
    };
    if let Ok(hash) = std::fs::read_to_string(common.join(reference)) {
        return Some(hash.trim().to_string());
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed
        .lines()
        .find_map(|l| l.strip_suffix(reference).map(|h| h.trim().to_string()))
}

#[test]
#[ignore = "consumer: needs fish"]
fn fish_completes_commands_and_options() {
    let fish = common::consumer::require("fish");
    let sandbox = Sandbox::new();
    let script = sandbox.write(
        "jobrun.fish",
        Sandbox::new().run(&["completions", "fish"]).stdout,
    );
    let complete = |line: &str| {
        let program = format!("source {}; complete -C '{line}'", script.display());
        let output = std::process::Command::new(&fish)
            .args(["--no-config", "-c", &program])
            .output()
            .expect("fish runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let commands = complete("jobrun ca");
    assert!(commands.starts_with("catch-up\t"), "{commands}");
    let options = complete("jobrun run --dr");
    assert!(options.starts_with("--dry-run\t"), "{options}");
}

#[test]
#[ignore = "consumer: needs zsh"]
fn zsh_finds_the_completion_by_its_compdef_line() {
    let zsh = common::consumer::require("zsh");
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("functions")).unwrap();
    sandbox.write(
        "functions/_jobrun",
        Sandbox::new().run(&["completions", "zsh"]).stdout,
    );
    // What a user's shell does at start: compinit reads each file on
    // fpath and registers it for the commands its `#compdef` line names.
    let program = format!(
        "fpath=({} $fpath); autoload -Uz compinit; compinit -u -d {}; print -r -- $_comps[jobrun]",
        sandbox.path("functions").display(),
        sandbox.path("zcompdump").display()
    );
    let output = std::process::Command::new(zsh)
        .args(["-f", "-c", &program])
        .output()
        .expect("zsh runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), "_jobrun\n");
}

#[test]
fn pages_set_code_in_bold_not_in_backticks() {
    let sandbox = Sandbox::new();
    let dir = pages(&sandbox);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let page = std::fs::read_to_string(&path).unwrap();
        // roff prints a backtick as an opening quote: `status` read as
        // ‘status`, with the markdown's marks left in the text.
        assert!(!page.contains('`'), "{}: {page}", path.display());
    }
    let crontab = std::fs::read_to_string(dir.join("jobrun-crontab.1")).unwrap();
    assert!(
        crontab.contains(r"Write a user crontab for \fBcrontab \-\fR (no user field)"),
        "{crontab}"
    );
}
