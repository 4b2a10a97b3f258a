//! ACL 1.0 (`aclEnable=true`) through the broker's port: signed requests pass with the
//! permissions their account has, and everything else is refused with Java's answer
//! (SYSTEM_ERROR, "org.apache.rocketmq.acl.common.AclException: …"); the file is reloaded
//! when it changes (a broken one keeps the last good rules: `acl::tests` in the crate).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use cometmq_remoting::acl_signature::{Credentials, ACCESS_KEY, SIGNATURE};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::{create_topic, heartbeat, props, pull_header, send, send_header};
use cometmq_testkit::wait::wait_until;
use common::Cluster;
use tempfile::TempDir;

const RULES: &str = "\
globalWhiteRemoteAddresses:
  - 10.10.*.*
accounts:
  - accessKey: producer1
    secretKey: producer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - TopicA=PUB|SUB
      - TopicDenied=DENY
    groupPerms:
      - GroupDenied=DENY
  - accessKey: admin-ak
    secretKey: admin-secret
    admin: true
";

fn creds(ak: &str, sk: &str) -> Credentials {
    Credentials {
        access_key: ak.into(),
        secret_key: sk.into(),
        security_token: None,
    }
}

fn signed(mut req: RemotingCommand, ak: &str, sk: &str) -> RemotingCommand {
    creds(ak, sk).sign(&mut req);
    req
}

fn producer(req: RemotingCommand) -> RemotingCommand {
    signed(req, "producer1", "producer-secret")
}

fn send_to(topic: &str) -> RemotingCommand {
    send(&send_header("PG", topic, 0, &props(None, None)), b"hello")
}

struct AclCluster {
    cluster: Cluster,
    file: PathBuf,
    _conf: TempDir,
}

async fn start(rules: &str) -> AclCluster {
    let conf = tempfile::tempdir().unwrap();
    let file = conf.path().join("plain_acl.yml");
    std::fs::write(&file, rules).unwrap();
    let path = file.to_string_lossy().into_owned();
    let cluster = Cluster::start(|c| {
        c.acl_enable = true;
        c.acl_file_path = path;
    })
    .await;
    AclCluster {
        cluster,
        file,
        _conf: conf,
    }
}

/// Asserts Java's refusal with `why`.
fn assert_refused(resp: &RemotingCommand, why: &str) {
    assert_eq!(resp.code, response::SYSTEM_ERROR, "{:?}", resp.remark);
    let remark = resp.remark.as_deref().unwrap_or_default();
    assert_eq!(
        remark,
        format!("org.apache.rocketmq.acl.common.AclException: {why}")
    );
}

#[tokio::test]
async fn signed_requests_pass_with_their_accounts_permissions() {
    let a = start(RULES).await;
    let c = &a.cluster;
    let resp = c.call(producer(send_to("TopicA"))).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    // A pull needs SUB on the topic and on the group (defaultGroupPerm SUB).
    let pull = RemotingCommand::request_with_header(
        request::PULL_MESSAGE,
        &pull_header("G1", "TopicA", 0, 0, "*"),
    );
    let resp = c.call(producer(pull)).await;
    assert!(resp.code != response::SYSTEM_ERROR, "{:?}", resp.remark);
    let pull = RemotingCommand::request_with_header(
        request::PULL_MESSAGE,
        &pull_header("GroupDenied", "TopicA", 0, 0, "*"),
    );
    assert_refused(
        &c.call(producer(pull)).await,
        "No default permission for group:GroupDenied",
    );
    // A security token is signed along, and does not change the outcome.
    let mut req = send_to("TopicA");
    Credentials {
        security_token: Some("token".into()),
        ..creds("producer1", "producer-secret")
    }
    .sign(&mut req);
    assert_eq!(c.call(req).await.code, response::SUCCESS);
}

#[tokio::test]
async fn denied_topics_unknown_keys_and_bad_signatures_are_refused() {
    let a = start(RULES).await;
    let c = &a.cluster;
    assert_refused(
        &c.call(producer(send_to("TopicDenied"))).await,
        "No default permission for topic:TopicDenied",
    );
    // Not listed: defaultTopicPerm DENY.
    assert_refused(
        &c.call(producer(send_to("TopicOther"))).await,
        "No default permission for topic:TopicOther",
    );
    assert_refused(
        &c.call(signed(send_to("TopicA"), "producer1", "wrong-secret"))
            .await,
        "Check signature failed for accessKey=producer1",
    );
    assert_refused(
        &c.call(signed(send_to("TopicA"), "nobody12", "whatever1"))
            .await,
        "No acl config for nobody12",
    );
    // No AccessKey at all.
    assert_refused(
        &c.call(send_to("TopicA")).await,
        "No accessKey is configured",
    );
    // A garbage signature.
    let mut req = producer(send_to("TopicA"));
    req.ext_fields.set(SIGNATURE, "\u{0}garbage=====");
    assert_refused(
        &c.call(req).await,
        "Check signature failed for accessKey=producer1",
    );
    // A signed request changed afterwards.
    let mut req = producer(send_to("TopicA"));
    req.ext_fields.set("b", "TopicOther");
    assert_refused(
        &c.call(req).await,
        "Check signature failed for accessKey=producer1",
    );
    // The server goes on.
    assert_eq!(
        c.call(producer(send_to("TopicA"))).await.code,
        response::SUCCESS
    );
}

#[tokio::test]
async fn admin_codes_need_an_admin_account() {
    let a = start(RULES).await;
    let c = &a.cluster;
    assert_refused(
        &c.call(producer(create_topic("NewTopic", 4))).await,
        &format!(
            "Need admin permission for request code={}, but accessKey=producer1 is not",
            request::UPDATE_AND_CREATE_TOPIC
        ),
    );
    let resp = c
        .call(signed(
            create_topic("NewTopic", 4),
            "admin-ak",
            "admin-secret",
        ))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    // An admin with no listed permissions may use any topic.
    let resp = c
        .call(signed(send_to("NewTopic"), "admin-ak", "admin-secret"))
        .await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
}

#[tokio::test]
async fn white_listed_addresses_need_no_signature() {
    let rules = format!(
        "{RULES}  - accessKey: local-app\n    secretKey: local-secret\n    \
         whiteRemoteAddress: 127.0.0.{{1,2}}\n    defaultTopicPerm: DENY\n"
    );
    let a = start(&rules).await;
    let c = &a.cluster;
    // The account's white address: its AccessKey without a signature is enough.
    let mut req = send_to("TopicOther");
    req.ext_fields.set(ACCESS_KEY, "local-app");
    let resp = c.call(req).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    // Not white-listed: the signature is checked.
    let mut req = send_to("TopicA");
    req.ext_fields.set(ACCESS_KEY, "producer1");
    assert_refused(
        &c.call(req).await,
        "Check signature failed for accessKey=producer1",
    );
}

async fn unsigned_send_passes(c: &Cluster) -> bool {
    c.call(send_to("TopicOther")).await.code == response::SUCCESS
}

#[tokio::test]
async fn the_file_is_reloaded_when_it_changes() {
    let a = start(RULES).await;
    let c = &a.cluster;
    assert!(!unsigned_send_passes(c).await);
    let open = RULES.replace("10.10.*.*", "127.0.0.*");
    std::fs::write(&a.file, open).unwrap();
    assert!(
        wait_until(|| unsigned_send_passes(c)).await,
        "the global white list in the changed file is in force"
    );
    // Back to the first rules.
    std::fs::write(&a.file, RULES).unwrap();
    assert!(
        wait_until(|| async { !unsigned_send_passes(c).await }).await,
        "the white list is gone again"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_answer_and_the_server_goes_on() {
    let a = start(RULES).await;
    let c = &a.cluster;
    // A 1 MiB extField, signed: the signature covers it and the send passes.
    let mut req = send_to("TopicA");
    req.ext_fields.set("zzBig", &"x".repeat(1024 * 1024));
    let resp = c.call(producer(req)).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    // The same unsigned: refused.
    let mut req = send_to("TopicA");
    req.ext_fields.set("zzBig", &"x".repeat(1024 * 1024));
    assert_refused(&c.call(req).await, "No accessKey is configured");
    // A heartbeat whose body is not JSON.
    let req = RemotingCommand::request(request::HEART_BEAT).with_body(b"{not json".to_vec());
    let resp = c.call(producer(req)).await;
    assert_eq!(resp.code, response::SYSTEM_ERROR);
    assert!(resp
        .remark
        .unwrap_or_default()
        .starts_with("org.apache.rocketmq.acl.common.AclException: "));
    // A heartbeat of a group it may use.
    let hb = cometmq_remoting::body::client::HeartbeatData {
        client_id: "127.0.0.1@test".into(),
        ..Default::default()
    };
    let resp = c.call(producer(heartbeat(&hb))).await;
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    assert_eq!(
        c.call(producer(send_to("TopicA"))).await.code,
        response::SUCCESS
    );
}

#[tokio::test]
async fn a_broken_or_missing_file_stops_the_broker_naming_it() {
    let conf = tempfile::tempdir().unwrap();
    let file = conf.path().join("plain_acl.yml");
    std::fs::write(
        &file,
        "accounts:\n  - accessKey: short\n    secretKey: 12345678\n",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut cfg = common::test_config(store.path(), "127.0.0.1:1");
    cfg.acl_enable = true;
    cfg.acl_file_path = file.to_string_lossy().into_owned();
    let e = cometmq_broker::broker::Broker::start(cfg.clone())
        .await
        .err()
        .expect("a broken ACL file stops the broker")
        .to_string();
    assert!(
        e.contains("plain_acl.yml") && e.contains("longer than 6"),
        "{e}"
    );
    cfg.acl_file_path = conf
        .path()
        .join("absent.yml")
        .to_string_lossy()
        .into_owned();
    let e = cometmq_broker::broker::Broker::start(cfg)
        .await
        .err()
        .expect("a missing ACL file stops the broker")
        .to_string();
    assert!(e.contains("absent.yml"), "{e}");
}

/// Our client with an ACL account: its producer and push consumer sign every request
/// (routes, heartbeats, sends, pulls, offset commits) and work; a send its account may
/// not make fails with the broker's ACL answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_signs_every_request() {
    use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
    use cometmq_client::instance::ClientConfig;
    use cometmq_client::producer::Producer;
    use cometmq_client::Message;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let a = start(RULES).await;
    let c = &a.cluster;
    for topic in ["TopicA", "TopicDenied"] {
        let resp = c
            .call(signed(create_topic(topic, 2), "admin-ak", "admin-secret"))
            .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        c.wait_for_route(topic).await;
    }
    let root = tempfile::tempdir().unwrap();
    let config = |instance: &str| {
        let mut cfg = ClientConfig {
            client_ip: "127.0.0.1".into(),
            instance_name: instance.into(),
            heartbeat_broker_interval: std::time::Duration::from_secs(1),
            offsets_root: root.path().join("offsets"),
            ..ClientConfig::new(&c.namesrv_addr)
        };
        cfg.transport.credentials = Some(creds("producer1", "producer-secret"));
        cfg
    };
    let producer = Producer::builder("PG1")
        .client_config(config("producer"))
        .build()
        .unwrap();
    producer.start().unwrap();
    for i in 0..4 {
        let msg = Message::builder("TopicA").body(format!("m{i}")).build();
        let r = producer.send(msg).await;
        assert!(r.is_ok(), "{r:?}");
    }
    let denied = producer
        .send(Message::builder("TopicDenied").body("x").build())
        .await;
    let e = format!("{:?}", denied.expect_err("TopicDenied is DENY"));
    assert!(
        e.contains("No default permission for topic:TopicDenied"),
        "{e}"
    );

    let consumed = Arc::new(AtomicUsize::new(0));
    let n = consumed.clone();
    let consumer = PushConsumer::builder("CG1")
        .client_config(config("consumer"))
        .subscribe("TopicA", "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            n.fetch_add(msgs.len(), Ordering::SeqCst);
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();
    assert!(
        wait_until(|| async { consumed.load(Ordering::SeqCst) >= 4 }).await,
        "the signed consumer receives the 4 messages"
    );
    consumer.shutdown().await;
    producer.shutdown().await;
}

/// ali-ons 3.12.0 with `accessKey` / `secretKey` (it signs with its `OnsChannel` field
/// included): sends and consumes on its topic, and is refused a DENY topic. Skipped, with
/// a message, when `node` or `tests/node_modules/ali-ons` is absent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ali_ons_signs_with_its_access_keys() {
    let Some(script) = cometmq_testkit::interop::script("acl.js") else {
        return;
    };
    let a = start(RULES).await;
    let c = &a.cluster;
    for topic in ["TopicA", "TopicDenied"] {
        let resp = c
            .call(signed(create_topic(topic, 2), "admin-ak", "admin-secret"))
            .await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        c.wait_for_route(topic).await;
    }
    let (v, stderr) = cometmq_testkit::interop::run_node(
        &script,
        &[
            c.namesrv_addr.as_str(),
            "TopicA",
            "TopicDenied",
            "4",
            "AliGroup",
            "producer1",
            "producer-secret",
        ],
        std::time::Duration::from_secs(90),
    )
    .await;
    let sent = v["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 4, "{stderr}");
    for s in sent {
        assert_eq!(s["status"], "SEND_OK", "{s}");
    }
    // ali-ons retries a SYSTEM_ERROR and then reports only "still failed", without the
    // broker's remark; the topic has a route, so the refusal is the ACL's.
    let denied = v["denied"].as_str().unwrap_or_default();
    assert!(
        denied.contains("still failed") && denied.contains("TopicDenied"),
        "{denied} / {stderr}"
    );
    assert_eq!(v["received"].as_array().unwrap().len(), 4, "{v} / {stderr}");
}
