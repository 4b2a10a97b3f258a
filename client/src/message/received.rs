//! [`MessageExt`]: a message as consumers receive it.

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;
use cometmq_remoting::message::compression::DEFAULT_MAX_DECOMPRESSED_LEN;
use cometmq_remoting::message::{decode_records, MessageError};

use crate::message::MessageQueue;

/// The decoded stored record that [`MessageExt`] wraps (all fields of reference §5.1).
pub use cometmq_remoting::message::StoredRecord;

/// A received message: the stored record (body already decompressed), plus the broker group
/// it came from. Dereferences to [`StoredRecord`] for the record's fields (`topic`, `body`,
/// `queue_id`, `queue_offset`, `reconsume_times`, `properties`, `tags()`, `keys()`, …).
///
/// Cloning is cheap: the record is shared (like Java's `MessageExt` references held by the
/// process queue and the consume requests at once), so the push consumer hands the same
/// message to its process queue and its listener without copying it.
///
/// [`msg_id`](Self::msg_id) is what Java's `MessageClientExt.getMsgId()` returns: the
/// producer's `UNIQ_KEY` when present, else the broker's offset message id.
///
/// ```
/// # use cometmq_client::message::MessageExt;
/// fn handle(msg: &MessageExt) {
///     println!("{} {} {:?} {}", msg.msg_id(), msg.topic, msg.tags(), msg.queue_offset);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageExt {
    record: Arc<StoredRecord>,
    /// The broker group the message was read from (shared by every message of a pull).
    pub broker_name: Arc<str>,
}

impl MessageExt {
    /// Wraps a decoded record from `broker_name`, decompressing its body if the sysFlag says
    /// so (bounded by 64 MiB against decompression bombs).
    pub fn from_record(
        mut record: StoredRecord,
        broker_name: impl Into<Arc<str>>,
    ) -> Result<Self, MessageError> {
        record.decompress_body(DEFAULT_MAX_DECOMPRESSED_LEN)?;
        Ok(MessageExt {
            record: Arc::new(record),
            broker_name: broker_name.into(),
        })
    }

    /// Decodes a PULL / QUERY_MESSAGE / VIEW_MESSAGE_BY_ID body: stored records back to back.
    /// The messages share one copy of `broker_name`.
    pub fn decode_all(body: Bytes, broker_name: &str) -> Result<Vec<MessageExt>, MessageError> {
        let broker_name: Arc<str> = Arc::from(broker_name);
        decode_records(body)
            .map(|r| r.and_then(|r| MessageExt::from_record(r, broker_name.clone())))
            .collect()
    }

    /// The message id users see: `UNIQ_KEY` if the producer set one, else the offset id.
    pub fn msg_id(&self) -> Cow<'_, str> {
        match self.record.uniq_key() {
            Some(k) if !k.is_empty() => Cow::Borrowed(k),
            _ => Cow::Owned(self.record.msg_id()),
        }
    }

    /// The broker-assigned offset message id (store host + CommitLog offset).
    pub fn offset_msg_id(&self) -> String {
        self.record.msg_id()
    }

    /// The queue the message was read from.
    pub fn message_queue(&self) -> MessageQueue {
        MessageQueue::new(
            self.record.topic.clone(),
            &*self.broker_name,
            self.record.queue_id,
        )
    }

    /// The stored record (copied if another clone of the message still shares it).
    pub fn into_record(self) -> StoredRecord {
        Arc::unwrap_or_clone(self.record)
    }

    /// Mutable access for the consumer (restoring retry topics, adding offsets); copies the
    /// record first if another clone shares it.
    pub(crate) fn record_mut(&mut self) -> &mut StoredRecord {
        Arc::make_mut(&mut self.record)
    }
}

impl Deref for MessageExt {
    type Target = StoredRecord;

    fn deref(&self) -> &StoredRecord {
        &self.record
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use bytes::BytesMut;
    use cometmq_remoting::message::{
        encode_record, sysflag, zlib_compress, Properties, RecordParts,
    };

    use super::*;

    fn record(sys_flag: i32, body: &[u8], props: &Properties, offset: i64) -> Vec<u8> {
        let host: SocketAddr = "10.0.0.1:10911".parse().unwrap();
        let props = props.encode();
        let mut parts = RecordParts::new("T", body, props.as_bytes(), host, host);
        parts.sys_flag = sys_flag;
        parts.physical_offset = offset;
        parts.queue_id = 2;
        let mut buf = BytesMut::new();
        encode_record(&parts, &mut buf).unwrap();
        buf.to_vec()
    }

    #[test]
    fn decodes_decompresses_and_names_ids() {
        let plain = vec![b'z'; 6000];
        let z = zlib_compress(&plain, 5).unwrap();
        let mut with_key = Properties::new();
        with_key.insert("UNIQ_KEY", "0A000001ABCD");
        let mut body = record(sysflag::COMPRESSED, &z, &with_key, 0);
        body.extend(record(0, b"plain", &Properties::new(), 100));
        let msgs = MessageExt::decode_all(Bytes::from(body), "broker-a").unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(&msgs[0].body[..], &plain[..]);
        assert!(!msgs[0].is_compressed());
        assert_eq!(msgs[0].msg_id(), "0A000001ABCD");
        assert_eq!(msgs[1].msg_id(), msgs[1].offset_msg_id());
        assert_eq!(msgs[1].offset_msg_id(), "0A00000100002A9F0000000000000064");
        assert_eq!(
            msgs[1].message_queue(),
            MessageQueue::new("T", "broker-a", 2)
        );
        assert_eq!(msgs[1].clone().into_record().topic, "T");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(MessageExt::decode_all(Bytes::from_static(b"\x00\x00\x00\x10junk"), "b").is_err());
    }
}
