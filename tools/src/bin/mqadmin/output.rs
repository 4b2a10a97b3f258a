//! What a command prints: a [`Report`] holds the text form (aligned tables like RocketMQ's)
//! and the `--json` form.

use std::collections::BTreeMap;

use cometmq_client::admin::time::human;
use cometmq_client::message::MessageExt;
use comfy_table::presets::NOTHING;
use comfy_table::Table;
use serde::Serialize;
use serde_json::Value;

/// A command's output in both forms.
pub struct Report {
    /// For people: tables and lines.
    pub text: String,
    /// For scripts.
    pub json: Value,
}

impl Report {
    /// A report of `text`, with `value` as its JSON form.
    pub fn new(text: impl Into<String>, value: impl Serialize) -> Report {
        Report {
            text: text.into(),
            json: serde_json::to_value(value).unwrap_or(Value::Null),
        }
    }

    /// A one-line confirmation; its JSON form is `{"ok":true,"message":…}` plus `extra`.
    pub fn done(message: impl Into<String>, extra: Value) -> Report {
        let message = message.into();
        let mut json = serde_json::json!({ "ok": true, "message": message });
        if let (Value::Object(m), Value::Object(e)) = (&mut json, extra) {
            m.extend(e);
        }
        Report {
            text: message,
            json,
        }
    }
}

/// An aligned table: `#`-prefixed headers, columns two spaces apart, no borders, no
/// trailing spaces.
pub fn table<R, C>(headers: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut t = Table::new();
    t.load_style(NOTHING);
    t.set_header(headers.iter().map(|h| format!("#{h}")).collect::<Vec<_>>());
    for row in rows {
        t.add_row(row.into_iter().collect::<Vec<_>>());
    }
    for col in t.column_iter_mut() {
        col.set_padding((0, 2));
    }
    t.trim_fmt()
}

/// `key: value` lines with the values aligned (Java's `%-20s %s`).
pub fn pairs<'a>(items: impl IntoIterator<Item = (&'a str, String)>) -> String {
    items
        .into_iter()
        .map(|(k, v)| format!("{:<20} {v}", format!("{k}:")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A timestamp for tables: human form, or `-` for none.
pub fn when(ms: i64) -> String {
    if ms <= 0 {
        "-".into()
    } else {
        human(ms)
    }
}

/// A message as `--json` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    /// The producer's id (UNIQ_KEY), else the offset id.
    pub msg_id: String,
    /// The broker's offset id.
    pub offset_msg_id: String,
    pub topic: String,
    pub broker_name: String,
    pub queue_id: i32,
    pub queue_offset: i64,
    pub commit_log_offset: i64,
    pub tags: Option<String>,
    pub keys: Option<String>,
    pub reconsume_times: i32,
    pub born_timestamp: i64,
    pub store_timestamp: i64,
    pub born_host: String,
    pub store_host: String,
    pub sys_flag: i32,
    pub properties: BTreeMap<String, String>,
    /// The body as UTF-8 (lossy).
    pub body: String,
}

impl From<&MessageExt> for MessageView {
    fn from(m: &MessageExt) -> Self {
        MessageView {
            msg_id: m.msg_id().into_owned(),
            offset_msg_id: m.offset_msg_id(),
            topic: m.topic.clone(),
            broker_name: m.broker_name.to_string(),
            queue_id: m.queue_id,
            queue_offset: m.queue_offset,
            commit_log_offset: m.commit_log_offset,
            tags: m.tags().map(str::to_owned),
            keys: m.keys().map(str::to_owned),
            reconsume_times: m.reconsume_times,
            born_timestamp: m.born_timestamp,
            store_timestamp: m.store_timestamp,
            born_host: m.born_host.to_string(),
            store_host: m.store_host.to_string(),
            sys_flag: m.sys_flag,
            properties: m
                .properties
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&m.body).into_owned(),
        }
    }
}

/// One message in detail, as Java's `queryMsgById` prints it.
pub fn message_detail(m: &MessageExt) -> String {
    let v = MessageView::from(m);
    let props = v
        .properties
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    pairs([
        ("Message ID", v.msg_id),
        ("OffsetID", v.offset_msg_id),
        ("Topic", v.topic),
        ("Tags", format!("[{}]", v.tags.unwrap_or_default())),
        ("Keys", format!("[{}]", v.keys.unwrap_or_default())),
        ("Broker Name", v.broker_name),
        ("Queue ID", v.queue_id.to_string()),
        ("Queue Offset", v.queue_offset.to_string()),
        ("CommitLog Offset", v.commit_log_offset.to_string()),
        ("Reconsume Times", v.reconsume_times.to_string()),
        ("Born Timestamp", when(v.born_timestamp)),
        ("Store Timestamp", when(v.store_timestamp)),
        ("Born Host", v.born_host),
        ("Store Host", v.store_host),
        ("System Flag", v.sys_flag.to_string()),
        ("Properties", format!("{{{props}}}")),
        ("Message Body", v.body),
    ])
}

/// Messages as a table: id, queue, offset, store time, tags, keys and (if `with_body`) body.
pub fn message_table<'a>(
    msgs: impl IntoIterator<Item = &'a MessageExt>,
    with_body: bool,
) -> String {
    let mut headers = vec!["Message ID", "QID", "Offset", "Store Time", "Tags", "Keys"];
    if with_body {
        headers.push("Body");
    }
    table(
        &headers,
        msgs.into_iter().map(|m| {
            let mut row = vec![
                m.msg_id().into_owned(),
                m.queue_id.to_string(),
                m.queue_offset.to_string(),
                when(m.store_timestamp),
                m.tags().unwrap_or_default().to_owned(),
                m.keys().unwrap_or_default().to_owned(),
            ];
            if with_body {
                row.push(String::from_utf8_lossy(&m.body).replace(['\n', '\r'], " "));
            }
            row
        }),
    )
}

/// A float as RocketMQ prints TPS: two decimals.
pub fn tps(x: f64) -> String {
    format!("{x:.2}")
}
