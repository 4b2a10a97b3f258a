//! The message model: [`Message`] to send, [`MessageExt`] received, [`MessageQueue`], and
//! the checks made before sending.

mod outgoing;
mod received;
mod reply;
mod validate;

/// One queue of a topic on one broker group; defined with the wire bodies that carry it.
pub use cometmq_remoting::body::client::MessageQueue;
pub use outgoing::{Message, MessageBuilder};
pub use received::{MessageExt, StoredRecord};
pub use reply::{create_reply_message, reply_topic, REPLY_MESSAGE_FLAG};
pub use validate::{
    validate_message, validate_topic, DEFAULT_MAX_MESSAGE_SIZE, MAX_PROPERTIES_LEN,
    NOT_ALLOWED_SEND_TOPICS, TOPIC_MAX_LEN,
};
