//! The `mqnamesrv` binary: `-p` prints the config, `-c` reads a properties file, and config
//! errors name the key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use cometmq_namesrv::{NamesrvConfig, NamesrvError};
use cometmq_remoting::settings::{ApplyError, LoadError};

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
        Err(NamesrvError::ConfigFile(LoadError::Apply {
            path,
            source: ApplyError::Invalid(e),
        })) => {
            assert_eq!(
                (e.key.as_str(), e.value.as_str(), path.as_path()),
                ("orderMessageEnable", "maybe", file.as_path())
            );
        }
        other => panic!("expected an invalid value, got {other:?}"),
    }

    let (ok, _, stderr) = mqnamesrv(&["-c", "/no/such/file.conf"]);
    assert!(!ok);
    assert!(stderr.contains("/no/such/file.conf"), "{stderr}");
}

#[test]
fn features_we_lack_and_malformed_files_stop_it_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namesrv.conf");
    let path = file.to_str().unwrap();
    std::fs::write(&file, "listenPort=9999\nsupportActingMaster=true\n").unwrap();
    let (ok, _, stderr) = mqnamesrv(&["-c", path, "-p"]);
    assert!(!ok);
    assert!(
        stderr.contains("supportActingMaster") && stderr.contains(path),
        "{stderr}"
    );
    std::fs::write(&file, "listenPort=9999\nsupportActingMaster=false\n").unwrap();
    let (ok, stdout, stderr) = mqnamesrv(&["-c", path, "-p"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("listenPort=9999"), "{stdout}");
    // With the controller on, -p prints its keys too, read from the same file.
    std::fs::write(
        &file,
        "listenPort=9999\nenableControllerInNamesrv=true\ncontrollerDLegerPeers=n0-127.0.0.1:9878\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = mqnamesrv(&["-c", path, "-p"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("controllerDLegerPeers=n0-127.0.0.1:9878"),
        "{stdout}"
    );

    std::fs::write(&file, "listenPort=9999\nk=\\u00zz\n").unwrap();
    let (ok, _, stderr) = mqnamesrv(&["-c", path, "-p"]);
    assert!(!ok);
    assert!(stderr.contains(&format!("{path}, line 2")), "{stderr}");
}
