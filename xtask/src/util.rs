//! Running commands, streaming their output, and counting test results.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `cargo` through rustup's proxy, so that `rust-toolchain.toml` picks the toolchain.
pub(crate) fn cargo_bin() -> String {
    "cargo".to_owned()
}

/// A `cargo` command (the same cargo that runs xtask) in the workspace root.
pub(crate) fn cargo() -> Command {
    let mut c = Command::new(cargo_bin());
    c.current_dir(root());
    c
}

/// Runs a command to completion, failing on a non-zero exit.
pub(crate) fn run(what: &str, cmd: &mut Command) -> Result<()> {
    println!("==> {what}: {cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Passed / failed / ignored tests, from libtest's `test result:` lines.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) passed: u64,
    pub(crate) failed: u64,
    pub(crate) ignored: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, o: Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.ignored += o.ignored;
    }

    /// Parses `test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; ...`.
    fn parse(line: &str) -> Option<Counts> {
        let rest = line.trim().strip_prefix("test result: ")?;
        let mut c = Counts::default();
        for part in rest.split([';', '.']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(what)) = (words.next(), words.next()) {
                if let Ok(n) = n.parse::<u64>() {
                    match what {
                        "passed" => c.passed = n,
                        "failed" => c.failed = n,
                        "ignored" => c.ignored = n,
                        _ => {}
                    }
                }
            }
        }
        Some(c)
    }
}

/// Runs a test command, echoing its output and adding up the libtest results. Fails when the
/// command fails or when it ran no test at all.
pub(crate) fn run_counting(cmd: &mut Command) -> Result<Counts> {
    println!("==> {cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .context("starting tests")?;
    let mut total = Counts::default();
    let stdout = child.stdout.take().context("stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(c) = Counts::parse(&line) {
            total.add(c);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "tests failed ({status}): {} passed, {} failed",
            total.passed,
            total.failed
        );
    }
    if total.passed == 0 {
        bail!("no test ran");
    }
    Ok(total)
}

/// Asks a child to stop (SIGTERM), then waits for it.
pub(crate) fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// Whether we run as root (then no `sudo`).
pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as root: directly when we are root, else through `sudo`.
pub(crate) fn as_root(program: &str) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.arg(program);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::Counts;

    #[test]
    fn parses_libtest_result_lines() {
        let c = Counts::parse("test result: FAILED. 3 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s")
            .expect("a result line");
        assert_eq!((c.passed, c.failed, c.ignored), (3, 2, 1));
        assert!(Counts::parse("running 3 tests").is_none());
    }
}
