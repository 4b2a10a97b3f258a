//! `mqadmin`'s ACL commands against a broker with `aclEnable=true`: it signs with the
//! account of `$ROCKETMQ_HOME/conf/tools.yml` as Java's mqadmin does, and
//! updateAclConfig, deleteAclConfig, updateGlobalWhiteAddr and clusterAclConfigVersion
//! change and show the broker's ACL file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Cluster, Run, CLUSTER};
use serde_json::Value;

const RULES: &str = "\
accounts:
  - accessKey: rocketmq2
    secretKey: admin-secret
    admin: true
";

/// Runs `mqadmin -n <ns> args…` with `ROCKETMQ_HOME=home` (or none).
async fn mqadmin(c: &Cluster, home: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mqadmin"));
    cmd.arg("-n")
        .arg(&c.namesrv_addr)
        .args(args)
        .env_remove("NAMESRV_ADDR")
        .env_remove("ROCKETMQ_HOME");
    if let Some(h) = home {
        cmd.env("ROCKETMQ_HOME", h);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("mqadmin timed out")
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A `$ROCKETMQ_HOME` whose conf/tools.yml holds the account `ak`/`sk`.
fn home_with(ak: &str, sk: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("conf")).unwrap();
    std::fs::write(
        home.path().join("conf/tools.yml"),
        format!("accessKey: {ak}\nsecretKey: {sk}\n"),
    )
    .unwrap();
    home
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_commands_change_the_brokers_file_signed_with_tools_yml() {
    let conf = tempfile::tempdir().unwrap();
    let file = conf.path().join("plain_acl.yml");
    std::fs::write(&file, RULES).unwrap();
    let path = file.to_string_lossy().into_owned();
    let c = Cluster::start_with(|b| {
        b.acl_enable = true;
        b.acl_file_path = path;
    })
    .await;
    let broker = c.broker_addr.clone();
    let update = [
        "updateAclConfig",
        "-b",
        &broker,
        "-a",
        "producer7",
        "-s",
        "producer-secret",
        "-i",
        "DENY",
        "-t",
        "TopicA=PUB,TopicB=DENY",
    ];

    // Unsigned: refused with Java's answer.
    mqadmin(&c, None, &update)
        .await
        .fails(1, &["No accessKey is configured"]);

    // Signed by the admin account of tools.yml.
    let admin_home = home_with("rocketmq2", "admin-secret");
    let run = mqadmin(&c, Some(admin_home.path()), &update).await;
    run.ok();
    assert!(run.stdout.contains("success"), "{}", run.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("producer7") && text.contains("TopicB=DENY"),
        "{text}"
    );

    // The new account signs sends: PUB on TopicA, nothing on TopicB.
    let producer_home = home_with("producer7", "producer-secret");
    let send = |topic: &'static str| {
        [
            "sendMessage",
            "-t",
            topic,
            "-p",
            "hello",
            "-b",
            common::BROKER,
        ]
    };
    let admin_create = |topic: &'static str| {
        let home = admin_home.path().to_path_buf();
        let c = &c;
        async move {
            mqadmin(c, Some(&home), &["updateTopic", "-c", CLUSTER, "-t", topic])
                .await
                .ok();
        }
    };
    admin_create("TopicA").await;
    admin_create("TopicB").await;
    mqadmin(&c, Some(producer_home.path()), &send("TopicA"))
        .await
        .ok();
    mqadmin(&c, Some(producer_home.path()), &send("TopicB"))
        .await
        .fails(1, &["No default permission for topic:TopicB"]);
    // Not an admin.
    mqadmin(&c, Some(producer_home.path()), &update)
        .await
        .fails(1, &["Need admin permission"]);

    // The version: one change so far.
    let run = mqadmin(
        &c,
        Some(admin_home.path()),
        &["clusterAclConfigVersion", "-c", CLUSTER, "--json"],
    )
    .await;
    run.ok();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v[0]["version"]["counter"], 1, "{v}");
    assert_eq!(v[0]["brokerAddr"], broker.as_str(), "{v}");
    let table = mqadmin(
        &c,
        Some(admin_home.path()),
        &["clusterAclConfigVersion", "-b", &broker],
    )
    .await;
    table.ok();
    assert!(
        table.stdout.contains("#AclConfigVersionNum"),
        "{}",
        table.stdout
    );

    // The global white list lets unsigned requests through, admin ones included.
    mqadmin(
        &c,
        Some(admin_home.path()),
        &["updateGlobalWhiteAddr", "-b", &broker, "-g", "127.0.0.1"],
    )
    .await
    .ok();
    mqadmin(
        &c,
        None,
        &["deleteAclConfig", "-b", &broker, "-a", "producer7"],
    )
    .await
    .ok();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("producer7") && text.contains("127.0.0.1"),
        "{text}"
    );
    // Deleting an unknown account is Java's failure.
    mqadmin(
        &c,
        None,
        &["deleteAclConfig", "-b", &broker, "-a", "producer7"],
    )
    .await
    .fails(1, &["deleted failed"]);
    c.stop().await;
}
