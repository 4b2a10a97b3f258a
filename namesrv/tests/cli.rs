//! The `mqnamesrv` binary: `-p` prints the config, `-c` reads a properties file, and config
//! errors name the key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use cometmq_namesrv::{NamesrvConfig, NamesrvError};

fn mqnamesrv(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mqnamesrv"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn print_config_shows_defaults_and_file_values() {
    let (ok, stdout, _) = mqnamesrv(&["-p"]);
    assert!(ok);
    assert!(stdout.contains("listenPort=9876\n"), "{stdout}");
    assert!(stdout.contains("kvConfigPath="), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namesrv.conf");
    std::fs::write(
        &file,
        "listenPort=19876\nserverWorkerThreads=8\nnoSuchKey=1\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = mqnamesrv(&["-c", file.to_str().unwrap(), "-p"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("listenPort=19876\n"), "{stdout}");
    assert!(
        stderr.contains("noSuchKey"),
        "unknown keys are warned about: {stderr}"
    );
    assert!(!stderr.contains("serverWorkerThreads"), "{stderr}");
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namesrv.conf");
    std::fs::write(&file, "# a comment\nlistenPort = 70000\n").unwrap();
    let (ok, _, stderr) = mqnamesrv(&["-c", file.to_str().unwrap(), "-p"]);
    assert!(!ok);
    assert!(
        stderr.contains("listenPort") && stderr.contains("70000"),
        "{stderr}"
    );

    std::fs::write(&file, "orderMessageEnable=maybe\n").unwrap();
    match NamesrvConfig::from_file(&file) {
        Err(NamesrvError::InvalidConfig { key, value, .. }) => {
            assert_eq!(
                (key.as_str(), value.as_str()),
                ("orderMessageEnable", "maybe")
            );
        }
        other => panic!("expected InvalidConfig, got {other:?}"),
    }

    let (ok, _, stderr) = mqnamesrv(&["-c", "/no/such/file.conf"]);
    assert!(!ok);
    assert!(stderr.contains("/no/such/file.conf"), "{stderr}");
}
