//! Running the Node.js interop scripts (`tests/interop/*.js`, driving ali-ons, a RocketMQ
//! client written outside this project) against our servers.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

/// The repository root (this crate sits one level below it).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The path of interop script `name`, or `None` (with the reason printed, so the test is
/// visibly skipped) when `node` or `tests/node_modules/ali-ons` is missing.
pub fn script(name: &str) -> Option<PathBuf> {
    let root = repo_root();
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED: `node` is not installed");
        return None;
    }
    if !root
        .join("tests/node_modules/ali-ons/package.json")
        .exists()
    {
        println!(
            "SKIPPED: ali-ons is not installed (run ./scripts/test.sh, or `cd tests && npm ci`)"
        );
        return None;
    }
    Some(root.join("tests/interop").join(name))
}

/// Runs a Node script to the end (at most `limit`, a bound against hangs) and parses the
/// last JSON line it printed; also returns its stderr for assertion messages.
pub async fn run_node(script: &PathBuf, args: &[&str], limit: Duration) -> (Value, String) {
    let child = tokio::process::Command::new("node")
        .arg(script)
        .args(args)
        .kill_on_drop(true)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .expect("node script timed out")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "node failed: {stderr}\n{stdout}");
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON result from node; stdout: {stdout}\nstderr: {stderr}"));
    (serde_json::from_str(line).unwrap(), stderr)
}
