//! Config files and runtime config, through the real `mqbroker` binary
//! and UPDATE_BROKER_CONFIG: a key that turns on a feature CometMQ lacks stops the
//! process naming it, a bad value names the key and the file, old spellings still load,
//! and an update is written back to the config file and survives a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use cometmq_broker::broker::Broker;
use cometmq_broker::config::BrokerConfig;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use common::T;

/// Runs a server binary with `-c <file> -p`; returns (success, stdout, stderr).
fn run(bin: &str, conf: &Path) -> (bool, String, String) {
    let out = Command::new(bin)
        .args(["-c", conf.to_str().unwrap(), "-p"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mqbroker(conf: &Path) -> (bool, String, String) {
    run(env!("CARGO_BIN_EXE_mqbroker"), conf)
}

#[test]
fn features_we_lack_stop_the_broker_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("broker.conf");
    for key in [
        "enableDLegerCommitLog",
        "enableControllerMode",
        "enableSlaveActingMaster",
        "fetchNamesrvAddrByAddressServer",
    ] {
        std::fs::write(&conf, format!("brokerName=b\n{key}=true\n")).unwrap();
        let (ok, _, stderr) = mqbroker(&conf);
        assert!(!ok, "{key}=true must stop the broker");
        assert!(
            stderr.contains(key) && stderr.contains("not supported"),
            "{key}: {stderr}"
        );
        assert!(stderr.contains("broker.conf"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");

        std::fs::write(&conf, format!("brokerName=b\n{key}=false\n")).unwrap();
        let (ok, stdout, stderr) = mqbroker(&conf);
        assert!(ok, "{key}=false is Java's default: {stderr}");
        assert!(stdout.contains("brokerName=b\n"), "{stdout}");
    }
}

#[test]
fn bad_values_name_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("bad-broker.conf");
    for (text, key) in [
        ("listenPort=abc\n", "listenPort"),
        ("fileReservedTime=-1\n", "fileReservedTime"),
        ("flushDiskType=SOMETIMES\n", "flushDiskType"),
        ("messageDelayLevel=1s 5x\n", "messageDelayLevel"),
        (
            "rocketmq.broker.diskSpaceWarningLevelRatio=most\n",
            "rocketmq.broker.diskSpaceWarningLevelRatio",
        ),
    ] {
        std::fs::write(&conf, format!("brokerName=b\n{text}")).unwrap();
        let (ok, _, stderr) = mqbroker(&conf);
        assert!(!ok, "{text}");
        assert!(
            stderr.contains(key) && stderr.contains("bad-broker.conf"),
            "{text}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // Java's Properties.load refuses a malformed \u escape; so does every loader here.
    std::fs::write(&conf, "brokerName=b\nbrokerIP1=\\u12\n").unwrap();
    let (ok, _, stderr) = mqbroker(&conf);
    assert!(!ok);
    assert!(stderr.contains("bad-broker.conf, line 2"), "{stderr}");
    assert!(stderr.contains("\\u12"), "{stderr}");

    let (ok, _, stderr) = mqbroker(&dir.path().join("missing.conf"));
    assert!(!ok);
    assert!(stderr.contains("missing.conf"), "{stderr}");
}

#[test]
fn old_spellings_load_and_print_under_javas_names() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("broker.conf");
    std::fs::write(
        &conf,
        "mapedFileSizeCommitLog=8192\nmapedFileSizeConsumeQueue=2000\nwarmMapedFileEnable=true\n\
         rocketmqHome=/opt/rocketmq\nserverWorkerThreads=16\nsendMessageThreadPoolNums=16\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = mqbroker(&conf);
    assert!(ok, "{stderr}");
    for line in [
        "mappedFileSizeCommitLog=8192\n",
        "mappedFileSizeConsumeQueue=2000\n",
        "warmMappedFileEnable=true\n",
        // Honoured (sends worked on at once), so listed.
        "sendMessageThreadPoolNums=16\n",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    assert!(!stdout.contains("mapedFileSize"), "each key is listed once");
    assert!(
        !stderr.contains("unknown config key"),
        "accepted keys are not unknown: {stderr}"
    );
    // An ignored key is not silent: the log says it has no effect.
    let out = Command::new(env!("CARGO_BIN_EXE_mqbroker"))
        .args(["-c", conf.to_str().unwrap(), "-p"])
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("accepted and ignored") && stderr.contains("serverWorkerThreads"),
        "{stderr}"
    );
    assert!(!stderr.contains("sendMessageThreadPoolNums"), "{stderr}");
}

#[test]
fn thread_pool_keys_are_honoured_or_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("broker.conf");
    std::fs::write(
        &conf,
        "pullMessageThreadPoolNums=8\nwaitTimeMillsInSendQueue=500\n\
         waitTimeMillsInPullQueue=1000\nbrokerFastFailureEnable=false\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = mqbroker(&conf);
    assert!(ok, "{stderr}");
    for line in [
        "pullMessageThreadPoolNums=8\n",
        "waitTimeMillsInSendQueue=500\n",
        "waitTimeMillsInPullQueue=1000\n",
        "brokerFastFailureEnable=false\n",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    for key in ["sendMessageThreadPoolNums", "pullMessageThreadPoolNums"] {
        std::fs::write(&conf, format!("{key}=0\n")).unwrap();
        let (ok, _, stderr) = mqbroker(&conf);
        assert!(!ok);
        assert!(
            stderr.contains(key) && stderr.contains("at least 1"),
            "{stderr}"
        );
    }
}

fn update(text: &str) -> RemotingCommand {
    RemotingCommand::request(request::UPDATE_BROKER_CONFIG).with_body(text.as_bytes().to_vec())
}

fn remark(resp: &RemotingCommand) -> &str {
    resp.remark.as_deref().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_updates_are_written_back_and_survive_a_restart() {
    let namesrv = cometmq_testkit::namesrv::Namesrv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let conf = dir.path().join("broker.conf");
    std::fs::write(
        &conf,
        format!(
            "# written by the test\nbrokerIP1=127.0.0.1\nlistenPort=0\nnamesrvAddr={}\n\
             storePathRootDir={}\nmapedFileSizeCommitLog=4194304\nmappedFileSizeConsumeQueue=20000\n\
             maxHashSlotNum=1000\nmaxIndexNum=4000\n",
            namesrv.addr,
            store.display()
        ),
    )
    .unwrap();
    let (config, unknown) = BrokerConfig::load(&conf).unwrap();
    assert!(unknown.is_empty(), "{unknown:?}");
    let broker = Broker::start(config).await.unwrap();
    let addr = broker.broker_addr().to_string();
    let client = RemotingClient::new(TransportConfig::default());

    let resp = client
        .invoke(
            &addr,
            update(
                "maxMessageSize=123456\nfileReservedTime=5\nflushIntervalCommitLog=321\n\
                 waitTimeMillsInSendQueue=300\n",
            ),
            T,
        )
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    // They reach the running broker and store.
    assert_eq!(broker.state.config().store.max_message_size, 123_456);
    assert_eq!(broker.state.config().wait_time_mills_in_send_queue, 300);
    assert_eq!(
        broker.state.store.retention_settings().file_reserved_time,
        std::time::Duration::from_secs(5 * 3600)
    );
    assert_eq!(
        broker.state.store.flush_settings().interval,
        std::time::Duration::from_millis(321)
    );
    let written = std::fs::read_to_string(&conf).unwrap();
    assert!(written.contains("maxMessageSize=123456\n"), "{written}");
    assert!(written.contains("fileReservedTime=5\n"), "{written}");

    // A key read once at start is refused by name, and nothing of the request applies.
    for (text, key) in [
        (
            "maxMessageSize=1\nflushDiskType=SYNC_FLUSH\n",
            "flushDiskType",
        ),
        ("storePathRootDir=/elsewhere\n", "storePathRootDir"),
        ("defaultTopicQueueNums=3\n", "defaultTopicQueueNums"),
        ("aclEnable=true\n", "aclEnable"),
        // Pools are sized at start, and the listener's TLS is set up at start.
        ("sendMessageThreadPoolNums=8\n", "sendMessageThreadPoolNums"),
        ("tls.server.mode=enforcing\n", "tls.server.mode"),
    ] {
        let resp = client.invoke(&addr, update(text), T).await.unwrap();
        assert_eq!(
            resp.code,
            response::NO_PERMISSION,
            "{text}: {:?}",
            resp.remark
        );
        assert!(remark(&resp).contains(key), "{text}: {:?}", resp.remark);
    }
    // Text Java's Properties.load refuses is refused (SYSTEM_ERROR, as Java answers).
    let resp = client
        .invoke(&addr, update("maxMessageSize=\\u12\n"), T)
        .await
        .unwrap();
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(remark(&resp).contains("malformed"), "{:?}", resp.remark);
    // The same value as now is no change, and is accepted.
    let resp = client
        .invoke(&addr, update("flushDiskType=ASYNC_FLUSH\n"), T)
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);

    let written = std::fs::read_to_string(&conf).unwrap();
    assert!(written.contains("maxMessageSize=123456\n"), "{written}");
    assert!(written.contains("flushDiskType=ASYNC_FLUSH\n"), "{written}");
    client.shutdown().await;
    broker.shutdown().await;

    let (config, unknown) = BrokerConfig::load(&conf).unwrap();
    assert!(
        unknown.is_empty(),
        "the written file loads cleanly: {unknown:?}"
    );
    assert_eq!(config.store.max_message_size, 123_456);
    assert_eq!(
        config.store.file_reserved_time,
        std::time::Duration::from_secs(5 * 3600)
    );
    assert_eq!(config.store.mapped_file_size_commit_log, 4_194_304);
    let broker = Broker::start(config).await.unwrap();
    let client = RemotingClient::new(TransportConfig::default());
    let resp = client
        .invoke(
            broker.broker_addr().to_string().as_str(),
            RemotingCommand::request(request::GET_BROKER_CONFIG),
            T,
        )
        .await
        .unwrap();
    let text = String::from_utf8(resp.body.to_bytes().to_vec()).unwrap();
    assert!(text.contains("maxMessageSize=123456\n"), "{text}");
    client.shutdown().await;
    broker.shutdown().await;
    namesrv.stop().await;
}
