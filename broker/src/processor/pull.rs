//! PULL_MESSAGE (11) with long polling (reference §3.4).
//!
//! A pull that finds nothing new and carries the SUSPEND flag is held: the handler waits on
//! the store's growth signal for that queue, up to the client's `suspendTimeoutMillis`, then
//! reads again and answers. Found messages go back as zero-copy views of the CommitLog,
//! written to the socket with one vectored write.

use std::sync::Arc;
use std::time::Duration;

use cometmq_filter::Selector;
use cometmq_remoting::body::client::{SubscriptionData, EXPRESSION_SQL92};
use cometmq_remoting::body::{perm, MASTER_ID};
use cometmq_remoting::code::response;
use cometmq_remoting::header::{PullMessageRequestHeader, PullMessageResponseHeader};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use cometmq_store::{GetResult, GetStatus};

use crate::config::BrokerRole;
use crate::error::{BrokerError, Reply};
use crate::filter::{PullFilter, TopicSelectors};
use crate::state::BrokerState;
use crate::stats::HeldPullEnd;

/// How often a held pull reads its queue again even without a growth signal (Java's
/// `PullRequestHoldService` checks every 5 s under long polling).
const RECHECK_HELD_PULL: Duration = Duration::from_secs(5);

/// One queue read, run on a blocking thread: reading mapped CommitLog pages that are not
/// in memory waits for the disk, which must not stall the event loop.
struct Read {
    state: Arc<BrokerState>,
    group: String,
    topic: String,
    queue_id: i32,
    offset: i64,
    max: usize,
    sub: Arc<SubscriptionData>,
    /// The compiled selector of an SQL92 subscription.
    sql: Option<Arc<Selector>>,
    /// `filterSupportRetry` on a retry topic: the group's selectors by original topic.
    retry_sql: Option<Arc<TopicSelectors>>,
}

impl Read {
    async fn run(&self) -> Result<GetResult, BrokerError> {
        let (group, topic, sub) = (self.group.clone(), self.topic.clone(), self.sub.clone());
        let sql = self.sql.clone();
        let retry_sql = self.retry_sql.clone();
        let (queue_id, offset, max) = (self.queue_id, self.offset, self.max);
        self.state
            .read_store(move |store| {
                store.get_messages(
                    Some(&group),
                    &topic,
                    queue_id,
                    offset,
                    max,
                    &PullFilter {
                        sub: &sub,
                        sql: sql.as_deref(),
                        retry_sql: retry_sql.as_deref().unwrap_or_default(),
                    },
                )
            })
            .await
    }
}

/// PULL_MESSAGE.
pub async fn pull_message(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: PullMessageRequestHeader = req.decode_header()?;
    let cfg = state.config();
    if !perm::is_readable(cfg.broker_permission) {
        return Err(BrokerError::NoPermission(format!(
            "the broker[{}] pulling message is forbidden",
            state.broker_addr
        )));
    }
    let (group, created) = state
        .groups
        .get_or_auto_create(&h.consumer_group)
        .ok_or_else(|| {
            BrokerError::SubscriptionGroupNotExist(format!(
                "subscription group [{}] does not exist",
                h.consumer_group
            ))
        })?;
    if created {
        state.groups.persist().await;
    }
    if !group.consume_enable {
        return Err(BrokerError::NoPermission(format!(
            "subscription group no permission, {}",
            h.consumer_group
        )));
    }
    let topic = state.topics.get(&h.topic).ok_or_else(|| {
        BrokerError::TopicNotExist(format!("topic[{}] not exist, apply first please!", h.topic))
    })?;
    if !perm::is_readable(topic.perm) {
        return Err(BrokerError::NoPermission(format!(
            "the topic[{}] pulling message is forbidden",
            h.topic
        )));
    }
    if h.queue_id < 0 || h.queue_id >= topic.read_queue_nums {
        return Err(BrokerError::InvalidParameter(format!(
            "queueId[{}] is illegal, topic:[{}] topicConfig.readQueueNums:[{}] consumer:[{}]",
            h.queue_id, h.topic, topic.read_queue_nums, h.consumer_group
        )));
    }
    let sub = subscription(&state, &h, group.consume_broadcast_enable)?;
    let sql = sql_selector(&state, &h, &sub)?;
    let retry_sql = retry_selectors(&state, &cfg, &h);
    let is_master = cfg.broker_role != BrokerRole::Slave;
    if h.has_flag(PullMessageRequestHeader::FLAG_COMMIT_OFFSET) && is_master {
        state
            .offsets
            .commit(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset);
    }
    let max = usize::try_from(h.max_msg_nums.max(1)).unwrap_or(1);
    let query = Read {
        state: state.clone(),
        group: h.consumer_group.clone(),
        topic: h.topic.clone(),
        queue_id: h.queue_id,
        offset: h.queue_offset,
        max,
        sub: Arc::new(sub),
        sql,
        retry_sql,
    };
    let read = || query.run();
    let mut result = read().await?;
    let may_hold = h.has_flag(PullMessageRequestHeader::FLAG_SUSPEND);
    if may_hold && not_found(&result, h.queue_offset) {
        let hold = if cfg.long_polling_enable {
            Duration::from_millis(u64::try_from(h.suspend_timeout_millis).unwrap_or(0))
        } else {
            Duration::from_millis(cfg.short_polling_time_mills)
        };
        let mut growth = state.store.subscribe_growth(&h.topic, h.queue_id);
        let deadline = tokio::time::Instant::now() + hold;
        // Held: the connection's other requests must not wait behind this one.
        cometmq_remoting::transport::holding_request();
        super::places::leave();
        let end = loop {
            if *growth.borrow_and_update() > h.queue_offset {
                result = read().await?;
                if !not_found(&result, h.queue_offset) {
                    break HeldPullEnd::Arrival;
                }
            }
            // Java's hold service also re-checks every held pull every few seconds; so do
            // we, so that a wake-up missed for any reason costs seconds, not the whole hold.
            let wake = deadline.min(tokio::time::Instant::now() + RECHECK_HELD_PULL);
            match tokio::time::timeout_at(wake, growth.changed()).await {
                Ok(Ok(())) => continue,
                Err(_) if wake < deadline => {
                    result = read().await?;
                    if !not_found(&result, h.queue_offset) {
                        break HeldPullEnd::Recheck;
                    }
                }
                // Timed out, or the store is shutting down: answer with a final read.
                _ => {
                    result = read().await?;
                    break HeldPullEnd::Timeout;
                }
            }
        };
        state.stats.held_pulls.record(end);
    }
    let suggest = suggest_broker(
        &cfg,
        &result,
        group.broker_id,
        group.which_broker_when_consume_slowly,
    );
    let resp = respond(&state, &h, result, suggest);
    Ok(crate::replication::adjust_pull_on_slave(
        &cfg,
        resp,
        h.queue_offset,
    ))
}

/// The subscription to filter with: the request's own (SUBSCRIPTION flag), else the one
/// the group's consumers sent by heartbeat.
fn subscription(
    state: &BrokerState,
    h: &PullMessageRequestHeader,
    broadcast_allowed: bool,
) -> Result<SubscriptionData, BrokerError> {
    let sub = if h.has_flag(PullMessageRequestHeader::FLAG_SUBSCRIPTION) {
        let expression_type = h.expression_type.clone().unwrap_or_else(|| "TAG".into());
        let expression = h.subscription.as_deref().unwrap_or("*");
        if expression_type
            .trim()
            .eq_ignore_ascii_case(EXPRESSION_SQL92)
        {
            SubscriptionData::for_sql(&h.topic, expression, h.sub_version)
        } else {
            parse_tags(&h.topic, expression, h.sub_version)?
        }
    } else {
        let info = state
            .clients
            .consumer_group(&h.consumer_group)
            .ok_or_else(|| {
                BrokerError::SubscriptionNotExist(format!(
                    "the consumer's group info not exist, group: {}",
                    h.consumer_group
                ))
            })?;
        if !broadcast_allowed
            && info.message_model == cometmq_remoting::body::client::MessageModel::Broadcasting
        {
            return Err(BrokerError::NoPermission(format!(
                "the consumer group[{}] can not consume by broadcast way",
                h.consumer_group
            )));
        }
        let sub = info.subscriptions.get(&h.topic).cloned().ok_or_else(|| {
            BrokerError::SubscriptionNotExist(format!(
                "the consumer's subscription not exist, group: {} topic: {}",
                h.consumer_group, h.topic
            ))
        })?;
        if sub.sub_version < h.sub_version {
            return Err(BrokerError::SubscriptionNotLatest(format!(
                "the consumer's subscription not latest, group: {}",
                h.consumer_group
            )));
        }
        sub
    };
    check_expression_type(&state.config(), &sub.expression_type)?;
    Ok(sub)
}

/// Java's refusal of a filter type the broker does not serve: anything but TAG, and
/// SQL92 without `enablePropertyFilter`.
pub fn check_expression_type(
    cfg: &crate::config::BrokerConfig,
    expression_type: &str,
) -> Result<(), BrokerError> {
    let t = expression_type.trim();
    let tag = t.is_empty() || t.eq_ignore_ascii_case("TAG");
    let sql = t.eq_ignore_ascii_case(EXPRESSION_SQL92) && cfg.enable_property_filter;
    if tag || sql {
        Ok(())
    } else {
        Err(BrokerError::System(format!(
            "The broker does not support consumer to filter message by {t}"
        )))
    }
}

/// The compiled selector of an SQL92 subscription (compiled once per group, topic and
/// expression). A bad expression in the request is SUBSCRIPTION_PARSE_FAILED; one sent
/// by heartbeat is SUBSCRIPTION_NOT_EXIST, as Java answers when its filter manager could
/// not build the filter.
fn sql_selector(
    state: &BrokerState,
    h: &PullMessageRequestHeader,
    sub: &SubscriptionData,
) -> Result<Option<Arc<Selector>>, BrokerError> {
    if !sub.is_sql92() {
        return Ok(None);
    }
    let compiled = state
        .sql_filters
        .get(&h.consumer_group, &h.topic, &sub.sub_string);
    match compiled {
        Ok(s) => Ok(Some(s)),
        Err(e) if h.has_flag(PullMessageRequestHeader::FLAG_SUBSCRIPTION) => {
            Err(BrokerError::SubscriptionParseFailed(format!(
                "parse the consumer's subscription failed: {e}"
            )))
        }
        Err(e) => Err(BrokerError::SubscriptionNotExist(format!(
            "The broker's consumer filter data is not exist!Your expression may be wrong! {e}"
        ))),
    }
}

/// With `filterSupportRetry`, a pull of a retry topic filters each message by the group's
/// SQL92 subscription to the message's original topic (Java's
/// `ExpressionForRetryMessageFilter`).
fn retry_selectors(
    state: &BrokerState,
    cfg: &crate::config::BrokerConfig,
    h: &PullMessageRequestHeader,
) -> Option<Arc<TopicSelectors>> {
    if !cfg.filter_support_retry || !h.topic.starts_with(crate::topic_names::RETRY_PREFIX) {
        return None;
    }
    let info = state.clients.consumer_group(&h.consumer_group)?;
    let selectors = state
        .sql_filters
        .for_retry(&h.consumer_group, info.subscriptions.values());
    (!selectors.is_empty()).then(|| selectors.into())
}

/// Parses a tag expression (`*`, `TagA`, `TagA || TagB`); an expression with characters
/// that cannot be tags is refused.
pub fn parse_tags(
    topic: &str,
    expression: &str,
    sub_version: i64,
) -> Result<SubscriptionData, BrokerError> {
    let bad = expression.chars().any(|c| c.is_control()) || expression.contains("|||");
    if bad {
        return Err(BrokerError::SubscriptionParseFailed(format!(
            "parse the consumer's subscription[{expression}] failed"
        )));
    }
    Ok(SubscriptionData::for_tags(topic, expression, sub_version))
}

/// Nothing new: the statuses after which a pull may be held.
fn not_found(r: &GetResult, requested: i64) -> bool {
    match r.status {
        GetStatus::OffsetOverflowOne | GetStatus::OffsetFoundNull => true,
        GetStatus::NoMessageInQueue | GetStatus::NoMatchedLogicQueue => requested == 0,
        _ => false,
    }
}

/// Which broker the consumer should pull from next (`suggestWhichBrokerId`): with
/// `slaveReadEnable`, the group's slow-consumer broker when the store found the read
/// lagging far behind the CommitLog's end (its data is on disk), else the group's
/// broker; without it, always the master.
fn suggest_broker(cfg: &crate::config::BrokerConfig, r: &GetResult, normal: i64, slow: i64) -> i64 {
    if !cfg.slave_read_enable {
        MASTER_ID
    } else if r.suggest_pulling_from_slave {
        slow
    } else {
        normal
    }
}

/// The PULL response for a read (reference §3.4's status table).
fn respond(
    state: &BrokerState,
    h: &PullMessageRequestHeader,
    r: GetResult,
    suggest: i64,
) -> RemotingCommand {
    let requested = h.queue_offset;
    let code = match r.status {
        GetStatus::Found => response::SUCCESS,
        GetStatus::NoMatchedMessage | GetStatus::MessageWasRemoving => {
            response::PULL_RETRY_IMMEDIATELY
        }
        GetStatus::NoMessageInQueue | GetStatus::NoMatchedLogicQueue => {
            if requested != 0 {
                response::PULL_OFFSET_MOVED
            } else {
                response::PULL_NOT_FOUND
            }
        }
        GetStatus::OffsetFoundNull | GetStatus::OffsetOverflowOne => response::PULL_NOT_FOUND,
        GetStatus::OffsetOverflowBadly | GetStatus::OffsetTooSmall => response::PULL_OFFSET_MOVED,
    };
    let header = PullMessageResponseHeader {
        suggest_which_broker_id: suggest,
        next_begin_offset: r.next_begin_offset,
        min_offset: r.min_offset,
        max_offset: r.max_offset,
        ..Default::default()
    };
    let mut resp = RemotingCommand::response(code, Some(r.status.java_name().to_string()))
        .with_header(&header);
    if code == response::SUCCESS {
        state
            .stats
            .on_pull(&h.topic, &h.consumer_group, r.messages.len(), r.total_size);
        resp = resp.with_body(r.messages);
    }
    resp
}
