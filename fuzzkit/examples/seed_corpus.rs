//! Writes the starting inputs (`seed-*`) of every fuzz target into `fuzz/corpus/<target>/`:
//! what real peers send, encoded by our own encoders or copied from Java's output.
//!
//! `cargo run -p cometmq-fuzzkit --example seed_corpus`; then fuzz and `cargo fuzz cmin`
//! (see `fuzz/README.md`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bytes::BytesMut;
use cometmq_remoting::body::RegisterBrokerBody;
use cometmq_remoting::message::{encode_batch_message, encode_record, Properties, RecordParts};
use cometmq_remoting::protocol::{binary_header, json_header, FrameCodec};
use cometmq_remoting::{RemotingCommand, SerializeType};
use tokio_util::codec::Encoder;

type Seeds = Vec<Vec<u8>>;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let headers = header_texts();
    let commands: Vec<RemotingCommand> = headers
        .iter()
        .filter_map(|h| json_header::decode(h.as_bytes()).ok())
        .collect();
    let texts = |v: &[&str]| -> Seeds { v.iter().map(|s| s.as_bytes().to_vec()).collect() };
    let mut all: Vec<(&str, Seeds)> = vec![
        ("frame", frames(&commands)),
        ("json_header_fast", texts(&headers)),
        ("json_header_serde", texts(&headers)),
        ("custom_headers", texts(&headers)),
        ("binary_header", binary_headers(&commands)),
        ("properties", properties()),
        ("record", records()),
        ("record_stream", vec![records().concat()]),
        ("store_record", records()),
        ("batch", batches()),
        ("message_id", texts(&MESSAGE_IDS)),
        ("ha_transfer", ha_transfer()),
        ("ha_report", ha_report()),
        ("java_properties", texts(&BROKER_CONF)),
        ("broker_config", texts(&BROKER_CONF)),
        ("namesrv_config", texts(&NAMESRV_CONF)),
        ("body_register_broker", register_broker(false)),
        ("body_register_broker_compressed", register_broker(true)),
    ];
    for (name, json) in BODIES {
        all.push((name, texts(json)));
    }
    for (name, seeds) in all {
        write(&root.join(name), &seeds)?;
    }
    Ok(())
}

fn write(dir: &PathBuf, seeds: &Seeds) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, s) in seeds.iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i:02}")), s)?;
    }
    println!("{}: {} seeds", dir.display(), seeds.len());
    Ok(())
}

fn header_texts() -> Vec<&'static str> {
    vec![
        r#"{"code":310,"extFields":{"a":"PG","b":"TopicTest","c":"TBW102","d":"4","e":"0","f":"0","g":"1700000000000","h":"0","i":"TAGS\u0001TagA\u0002KEYS\u0001k1\u0002UNIQ_KEY\u00017F0000010001B4AAC2D61B8A4C3F0000\u0002WAIT\u0001true\u0002","j":"0","k":"false","m":"false"},"flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":479}"#,
        r#"{"code":10,"extFields":{"producerGroup":"PG","topic":"T","defaultTopic":"TBW102","defaultTopicQueueNums":"4","queueId":"1","sysFlag":"0","bornTimestamp":"1700000000000","flag":"0","properties":"KEYS\u0001a b\u0002","reconsumeTimes":"0","unitMode":"false","batch":"false","maxReconsumeTimes":"16"},"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":453}"#,
        r#"{"code":11,"extFields":{"consumerGroup":"G","topic":"T","queueId":"0","queueOffset":"12","maxMsgNums":"32","sysFlag":"6","commitOffset":"0","suspendTimeoutMillis":"15000","subscription":"TagA || TagB","subVersion":"1700000000000","expressionType":"TAG"},"flag":0,"language":"JAVA","opaque":2,"serializeTypeCurrentRPC":"JSON","version":479}"#,
        r#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":3,"serializeTypeCurrentRPC":"JSON","version":401}"#,
        r#"{"code":103,"extFields":{"brokerName":"broker-a","brokerAddr":"10.0.0.1:10911","clusterName":"DefaultCluster","haServerAddr":"10.0.0.1:10912","brokerId":"0","compressed":"true","bodyCrc32":"123456"},"flag":0,"language":"JAVA","opaque":4,"version":479}"#,
        r#"{"code":14,"extFields":{"consumerGroup":"G","topic":"T","queueId":3},"flag":0,"language":"NODE_JS","opaque":5,"version":121}"#,
        r#"{"code":15,"extFields":{"consumerGroup":"G","topic":"T","queueId":3,"commitOffset":99},"flag":2,"language":"GO","opaque":6,"version":317}"#,
        r#"{"code":37,"extFields":{"commitLogOffset":"1024","tranStateTableOffset":"5","producerGroup":"PG","commitOrRollback":"8","fromTransactionCheck":"false","msgId":"0A00000100002A9F0000000000000400","transactionId":"7F0000010001B4AAC2D61B8A4C3F0000"},"flag":0,"language":"JAVA","opaque":8,"version":479}"#,
        r#"{"code":36,"extFields":{"group":"G","offset":"1024","delayLevel":"3","originMsgId":"0A00000100002A9F0000000000000400","originTopic":"T","unitMode":"false","maxReconsumeTimes":"16"},"flag":0,"language":"JAVA","opaque":9,"version":479}"#,
        r#"{"code":0,"flag":1,"language":"JAVA","opaque":7,"remark":"ok \u00e9\ud83d\ude00","serializeTypeCurrentRPC":"JSON","version":479,"extFields":{"msgId":"0A00000100002A9F0000000000000400","queueId":"1","queueOffset":"4"}}"#,
        r#"{"code":"12","opaque":3.0,"language":"go","flag":null,"x":[1,{"y":2}],"extFields":{"f":1.5,"a":[1,"2"],"o":{"k":false},"n":null,"e":1e10}}"#,
        r#"{"code":34,"opaque":1,"language":9,"extFields":null,"remark":null}"#,
    ]
}

fn frames(commands: &[RemotingCommand]) -> Seeds {
    let mut out = Seeds::new();
    let mut codec = FrameCodec::default();
    for (i, cmd) in commands.iter().enumerate() {
        let cmd = cmd.clone().with_body(format!("body {i}").into_bytes());
        let mut buf = BytesMut::new();
        if codec.encode(&cmd, &mut buf).is_ok() {
            out.push(buf.to_vec());
        }
        let mut head = BytesMut::new();
        let as_binary =
            cometmq_remoting::protocol::encode_head_as(&cmd, SerializeType::RocketMq, &mut head);
        if as_binary.is_ok() {
            head.extend_from_slice(format!("body {i}").as_bytes());
            out.push(head.to_vec());
        }
    }
    if let [a, b, ..] = &out[..] {
        out.push([a.as_slice(), b.as_slice()].concat());
    }
    out
}

fn binary_headers(commands: &[RemotingCommand]) -> Seeds {
    commands
        .iter()
        .filter_map(|cmd| {
            let mut buf = BytesMut::new();
            binary_header::encode(cmd, &mut buf)
                .ok()
                .map(|()| buf.to_vec())
        })
        .collect()
}

fn properties() -> Seeds {
    [
        "TAGS\u{1}TagA\u{2}KEYS\u{1}k1 k2\u{2}UNIQ_KEY\u{1}7F0000010001B4AAC2D61B8A4C3F0000\u{2}WAIT\u{1}true\u{2}",
        "DELAY\u{1}3\u{2}REAL_TOPIC\u{1}T\u{2}REAL_QID\u{1}1\u{2}",
        "TRAN_MSG\u{1}true\u{2}PGROUP\u{1}PG\u{2}a\u{1}b\u{1}c\u{2}\u{2}x\u{2}\u{1}y",
        "MAX_OFFSET\u{1}10\u{2}MIN_OFFSET\u{1}0\u{2}CLUSTER\u{1}DefaultCluster",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn addr(s: &str) -> SocketAddr {
    s.parse()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 10911)))
}

fn records() -> Seeds {
    let props = b"TAGS\x01TagA\x02KEYS\x01k1\x02UNIQ_KEY\x017F0000010001B4AAC2D61B8A4C3F0000\x02";
    let zbody = cometmq_remoting::message::zlib_compress(&[b'z'; 300], 6).unwrap_or_default();
    let long_topic = "T".repeat(200);
    let cases: Vec<RecordParts<'_>> = vec![
        RecordParts::new(
            "TopicTest",
            b"Hello",
            props,
            addr("10.0.0.9:50122"),
            addr("10.0.0.1:10911"),
        ),
        RecordParts::new("T", b"", b"", addr("[::1]:50122"), addr("10.0.0.1:10911")),
        RecordParts::new(
            "T6",
            b"v6",
            props,
            addr("[fe80::1]:1"),
            addr("[2001:db8::1]:10911"),
        ),
        RecordParts::new(
            &long_topic,
            b"v2 record",
            props,
            addr("10.0.0.9:1"),
            addr("10.0.0.1:2"),
        ),
        RecordParts {
            sys_flag: 1, // COMPRESSED (zlib)
            ..RecordParts::new("Z", &zbody, props, addr("10.0.0.9:1"), addr("10.0.0.1:2"))
        },
    ];
    cases
        .iter()
        .filter_map(|p| {
            let mut buf = BytesMut::new();
            encode_record(p, &mut buf).ok().map(|_| buf.to_vec())
        })
        .collect()
}

fn batches() -> Seeds {
    let mut p = Properties::new();
    p.insert("UNIQ_KEY", "7F0000010001B4AAC2D61B8A4C3F0000");
    p.insert("TAGS", "A");
    let mut one = BytesMut::new();
    let _ = encode_batch_message(&mut one, 0, b"first", &p);
    let mut two = one.clone();
    let _ = encode_batch_message(&mut two, 7, b"", &Properties::new());
    vec![one.to_vec(), two.to_vec()]
}

const MESSAGE_IDS: [&str; 4] = [
    "0A00000100002A9F0000000000000400",
    "7F0000010001B4AAC2D61B8A4C3F0000",
    "00000000000000000000000000000001000027110000000000000400",
    "7f0000010001b4aac2d61b8a4c3f0000",
];

fn ha_transfer() -> Seeds {
    let mut one = vec![8u8]; // step byte
    one.extend_from_slice(&4096i64.to_be_bytes());
    one.extend_from_slice(&3i32.to_be_bytes());
    one.extend_from_slice(b"abc");
    one.extend_from_slice(&4099i64.to_be_bytes());
    one.extend_from_slice(&0i32.to_be_bytes());
    let mut two = vec![63u8];
    two.extend_from_slice(&0i64.to_be_bytes());
    two.extend_from_slice(&5i32.to_be_bytes());
    two.extend_from_slice(b"hello");
    vec![one, two]
}

fn ha_report() -> Seeds {
    let mut one = vec![3u8];
    one.extend_from_slice(&(1i64 << 30).to_be_bytes()); // master log end
    for r in [0i64, 4096, 1 << 30, (1 << 30) + 1] {
        one.extend_from_slice(&r.to_be_bytes());
    }
    vec![one]
}

const BROKER_CONF: [&str; 3] = [
    "brokerClusterName = DefaultCluster\nbrokerName = broker-a\nbrokerId = 0\ndeleteWhen = 04\nfileReservedTime = 48\nbrokerRole = ASYNC_MASTER\nflushDiskType = ASYNC_FLUSH\n",
    "# 2m-2s-sync\nbrokerClusterName=DefaultCluster\nbrokerName=broker-b\nbrokerId=1\nbrokerRole=SLAVE\nnamesrvAddr=127.0.0.1:9876;127.0.0.2:9876\nlistenPort=10921\nstorePathRootDir=/tmp/store\\\n  -b\nmessageDelayLevel=1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h\nmapedFileSizeCommitLog=1073741824\n",
    "! comment\nbrokerIP1 : 10.0.0.1\nhaListenPort\t10912\nkey\\u0041=value\\tx\nautoCreateTopicEnable=true\nmaxMessageSize=4194304\n",
];

const NAMESRV_CONF: [&str; 2] = [
    "listenPort=9876\nkvConfigPath=/tmp/kv.json\norderMessageEnable=false\n",
    "bindAddress=127.0.0.1\nscanNotActiveBrokerInterval=5000\nbrokerExpiredMillis=120000\nenableAllTopicList=true\n",
];

fn register_broker(compressed: bool) -> Seeds {
    let java = br#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1700000000000},"topicConfigTable":{"TBW102":{"attributes":{},"order":false,"perm":7,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TBW102","topicSysFlag":0,"writeQueueNums":8},"T":{"order":true,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":4}}}}"#;
    let Ok(body) = RegisterBrokerBody::decode(java, false, 479) else {
        return vec![];
    };
    let mut out = Seeds::new();
    for v in 0u8..3 {
        if compressed {
            // The target compresses its input itself: seed it with the inflated layout,
            // and with a real compressed body.
            if let Ok(z) = body.encode(true) {
                let mut raw = Vec::new();
                let _ = std::io::Read::read_to_end(
                    &mut flate2::read::ZlibDecoder::new(&z[..]),
                    &mut raw,
                );
                out.push([&[v][..], &raw].concat());
                out.push([&[v][..], &z].concat());
            }
        } else {
            out.push([&[v][..], java].concat());
        }
    }
    out
}

const BODIES: [(&str, &[&str]); 21] = [
    (
        "body_topic_route_data",
        &[
            r#"{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#,
            r#"{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911"},"brokerName":"b","cluster":"C"}],"orderTopicConf":"b:4","queueDatas":[]}"#,
        ],
    ),
    (
        "body_cluster_info",
        &[
            r#"{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}"#,
        ],
    ),
    (
        "body_topic_config_wrapper",
        &[
            r#"{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1700000000000},"topicConfigTable":{"TBW102":{"attributes":{},"order":false,"perm":7,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TBW102","topicSysFlag":0,"writeQueueNums":8}}}"#,
        ],
    ),
    (
        "body_subscription_group_config",
        &[
            r#"{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"g","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}"#,
        ],
    ),
    (
        "body_subscription_group_wrapper",
        &[
            r#"{"subscriptionGroupTable":{"g":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"g","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":3,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}},"dataVersion":{"counter":1,"timestamp":5}}"#,
        ],
    ),
    (
        "body_consumer_offsets",
        &[
            r#"{"offsetTable":{"T@g":{0:12,1:7}},"groupTopicMap":{"x":1}}"#,
            r#"{"offsetTable":{"T@g":{"0":12,"1":7}}}"#,
        ],
    ),
    (
        "body_delay_offsets",
        &[
            r#"{"offsetTable":{1:12,2:0,18:7}}"#,
            r#"{"dataVersion":{"counter":1,"timestamp":5},"offsetTable":{"3":1}}"#,
        ],
    ),
    (
        "body_data_version",
        &[r#"{"counter":1,"stateVersion":0,"timestamp":1700000000001}"#],
    ),
    (
        "body_heartbeat",
        &[
            r#"{"clientID":"10.0.0.9@1234","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"G","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[2598919],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1700000000000,"tagsSet":["TagA","TagB"],"topic":"T"}],"unitMode":false}],"producerDataSet":[{"groupName":"PG"},{"groupName":"CLIENT_INNER_PRODUCER"}]}"#,
            r#"{"clientID":"g","consumerDataSet":[{"groupName":"G","consumeType":"CONSUME_PASSIVELY","messageModel":"BROADCASTING","consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","subscriptionDataSet":null,"unitMode":false}],"producerDataSet":null}"#,
        ],
    ),
    (
        "body_lock_batch_request",
        &[
            r#"{"clientId":"c","consumerGroup":"g","mqSet":[{"brokerName":"b","queueId":1,"topic":"T"},{"brokerName":"b","queueId":2,"topic":"T"}],"onlyThisBroker":false}"#,
        ],
    ),
    (
        "body_lock_batch_response",
        &[r#"{"lockOKMQSet":[{"brokerName":"b","queueId":1,"topic":"T"}]}"#],
    ),
    (
        "body_consumer_running_info",
        &[
            r#"{"jstack":"","mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"cachedMsgCount":0,"cachedMsgMaxOffset":0,"cachedMsgMinOffset":0,"cachedMsgSizeInMiB":0,"commitOffset":12,"droped":false,"lastConsumeTimestamp":1700000000000,"lastLockTimestamp":0,"lastPullTimestamp":1700000000000,"locked":false,"transactionMsgCount":0,"transactionMsgMaxOffset":0,"transactionMsgMinOffset":0,"tryUnlockTimes":0}},"properties":{"consumeOrderly":"false","consumeType":"CONSUME_PASSIVELY"},"statusTable":{"T":{"consumeFailedMsgs":0,"consumeFailedTPS":0.0,"consumeOKTPS":1.5,"consumeRT":0.25,"pullRT":1.0,"pullTPS":2.0}},"subscriptionSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1,"tagsSet":[],"topic":"T"}]}"#,
        ],
    ),
    (
        "body_consume_message_directly_result",
        &[
            r#"{"autoCommit":false,"consumeResult":"CR_THROW_EXCEPTION","order":false,"remark":"boom","spentTimeMills":0}"#,
        ],
    ),
    (
        "body_reset_offset",
        &[
            r#"{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:12}}"#,
            r#"{"offsetTable":{"MessageQueue [topic=T, brokerName=b, queueId=3]":9}}"#,
        ],
    ),
    (
        "body_get_consumer_status",
        &[
            r#"{"consumerTable":{"10.0.0.9@1":{{"brokerName":"b","queueId":0,"topic":"T"}:4}},"messageQueueTable":{{"brokerName":"b","queueId":0,"topic":"T"}:4}}"#,
        ],
    ),
    (
        "body_query_consume_time_span",
        &[
            r#"{"consumeTimeSpanSet":[{"consumeTimeStamp":0,"delayTime":0,"maxTimeStamp":0,"messageQueue":{"brokerName":"b","queueId":0,"topic":"T"},"minTimeStamp":0}]}"#,
        ],
    ),
    (
        "body_consume_stats",
        &[
            r#"{"consumeTps":1.5,"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"brokerOffset":10,"consumerOffset":4,"lastTimestamp":1700000000000,"pullOffset":4}}}"#,
        ],
    ),
    (
        "body_topic_stats_table",
        &[
            r#"{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":5,"maxOffset":3,"minOffset":0}},"topicPutTps":0.0}"#,
        ],
    ),
    (
        "body_connections",
        &[
            r#"{"connectionSet":[{"clientAddr":"10.0.0.9:50122","clientId":"10.0.0.9@123","language":"JAVA","version":479}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionTable":{"T":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1,"tagsSet":[],"topic":"T"}}}"#,
            r#"{"connectionSet":[{"clientAddr":null,"clientId":"x","language":"NODE_JS","version":1}]}"#,
        ],
    ),
    (
        "body_lists",
        &[
            r#"{"topicList":["T","%RETRY%G"],"brokerAddr":"10.0.0.1:10911"}"#,
            r#"{"groupList":["g2","g1"]}"#,
            r#"{"consumerIdList":["a@1","b@2"]}"#,
        ],
    ),
    (
        "body_kv_table",
        &[
            r#"{"table":{"T":"broker-a:4;broker-b:4"}}"#,
            r#"{"configTable":{"ORDER_TOPIC_CONFIG":{"T":"broker-a:4"}}}"#,
        ],
    ),
];
