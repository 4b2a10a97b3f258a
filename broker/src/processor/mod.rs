//! Request processors: one file per area, each a set of `async fn(state, conn, request)
//! -> Reply` handlers. [`router`] maps request codes to them; errors become responses here,
//! in one place ([`BrokerError::into_response`](crate::error::BrokerError::into_response)).

mod admin_batch;
mod admin_broker;
mod admin_clients;
mod admin_groups;
mod admin_lookup;
mod admin_progress;
mod admin_topics;
mod client;
mod gate;
mod offset;
pub(crate) mod places;
mod pop;
mod pop_ack;
mod pop_assign;
mod pop_peek;
mod pull;
mod query;
mod reply;
mod send;
mod send_props;
mod timer;
mod transaction;
pub mod unsupported;

use std::future::Future;
use std::sync::Arc;

use cometmq_remoting::code::request as code;
use cometmq_remoting::transport::{fn_processor, Connection, Router};
use cometmq_remoting::RemotingCommand;

use crate::error::Reply;
use crate::state::BrokerState;
use gate::add_gated;

/// Adds a route for `codes` to `handler`, mapping its errors to responses.
fn add<F, Fut>(router: Router, state: &Arc<BrokerState>, codes: &[i32], handler: F) -> Router
where
    F: Fn(Arc<BrokerState>, Connection, RemotingCommand) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let state = state.clone();
    let handler = Arc::new(handler);
    router.routes(
        codes,
        fn_processor(move |conn, req| {
            let state = state.clone();
            let handler = handler.clone();
            async move {
                Some(match handler(state, conn, req).await {
                    Ok(resp) => resp,
                    Err(e) => e.into_response(),
                })
            }
        }),
    )
}

/// Every request code the broker serves.
pub fn router(state: &Arc<BrokerState>) -> Router {
    let r = Router::new();
    let send_cap = |c: &crate::config::BrokerConfig| c.send_thread_pool_queue_capacity;
    let sends = [code::SEND_MESSAGE, code::SEND_MESSAGE_V2];
    // One pool for the send codes, as Java's send pool (sendMessageThreadPoolNums).
    let send_pool = places::Pool::sends(state);
    let r = add_gated(
        r,
        state,
        &sends,
        send_cap,
        Some(send_pool.clone()),
        send::send_message,
    );
    let r = add_gated(
        r,
        state,
        &[code::SEND_BATCH_MESSAGE],
        send_cap,
        Some(send_pool),
        send::send_batch,
    );
    let r = add(r, state, &[code::CONSUMER_SEND_MSG_BACK], send::send_back);
    // Request/reply (RocketMQ 4.6+): the reply is pushed to the requester and stored.
    let replies = [code::SEND_REPLY_MESSAGE, code::SEND_REPLY_MESSAGE_V2];
    let r = add_gated(r, state, &replies, send_cap, None, reply::send_reply);
    // LITE_PULL_MESSAGE (361): RocketMQ 5's DefaultLitePullConsumer (any pull with the
    // lite-pull sysFlag). Java's broker serves it with the PULL_MESSAGE processor on its
    // own thread pool; here it is the same handler.
    let r = add_gated(
        r,
        state,
        &[code::PULL_MESSAGE, code::LITE_PULL_MESSAGE],
        |_| usize::MAX,
        Some(places::Pool::pulls(state)),
        pull::pull_message,
    );
    // Transactions and delay levels (issue 7).
    let r = add(
        r,
        state,
        &[code::END_TRANSACTION],
        transaction::end_transaction,
    );
    let r = add(
        r,
        state,
        &[code::GET_ALL_DELAY_OFFSET],
        transaction::all_delay_offset,
    );
    // Timer messages (issue 19).
    let r = add(r, state, &[code::GET_TIMER_CHECK_POINT], timer::checkpoint);
    let r = add(r, state, &[code::GET_TIMER_METRICS], timer::metrics);
    let r = add(r, state, &[code::HEART_BEAT], client::heartbeat);
    let r = add(
        r,
        state,
        &[code::UNREGISTER_CLIENT],
        client::unregister_client,
    );
    let r = add(
        r,
        state,
        &[code::GET_CONSUMER_LIST_BY_GROUP],
        client::consumer_list,
    );
    let r = add(
        r,
        state,
        &[code::CHECK_CLIENT_CONFIG],
        admin_lookup::check_client_config,
    );
    let r = add(r, state, &[code::LOCK_BATCH_MQ], client::lock_batch);
    let r = add(r, state, &[code::UNLOCK_BATCH_MQ], client::unlock_batch);
    let r = add(
        r,
        state,
        &[code::QUERY_CONSUMER_OFFSET],
        offset::query_consumer_offset,
    );
    let r = add(
        r,
        state,
        &[code::UPDATE_CONSUMER_OFFSET],
        offset::update_consumer_offset,
    );
    let r = add(r, state, &[code::GET_MAX_OFFSET], offset::max_offset);
    let r = add(r, state, &[code::GET_MIN_OFFSET], offset::min_offset);
    let r = add(
        r,
        state,
        &[code::GET_EARLIEST_MSG_STORETIME],
        offset::earliest_time,
    );
    let r = add(
        r,
        state,
        &[code::SEARCH_OFFSET_BY_TIMESTAMP],
        offset::search_by_time,
    );
    let r = add(r, state, &[code::QUERY_MESSAGE], query::query_message);
    let r = add(
        r,
        state,
        &[code::VIEW_MESSAGE_BY_ID],
        query::view_message_by_id,
    );
    // POP consumption (RocketMQ 5, issue 20).
    let r = add(r, state, &[code::POP_MESSAGE], pop::pop_message);
    let r = add(r, state, &[code::ACK_MESSAGE], pop_ack::ack_message);
    let r = add(r, state, &[code::BATCH_ACK_MESSAGE], pop_ack::batch_ack);
    let r = add(r, state, &[code::PEEK_MESSAGE], pop_peek::peek_message);
    let r = add(r, state, &[code::NOTIFICATION], pop_peek::notification);
    let r = add(r, state, &[code::POLLING_INFO], pop_peek::polling_info);
    let r = add(
        r,
        state,
        &[code::QUERY_ASSIGNMENT],
        pop_assign::query_assignment,
    );
    let r = add(
        r,
        state,
        &[code::SET_MESSAGE_REQUEST_MODE],
        pop_assign::set_mode,
    );
    let r = add(
        r,
        state,
        &[code::GET_ALL_MESSAGE_REQUEST_MODE],
        pop_assign::all_modes,
    );
    let r = add(
        r,
        state,
        &[code::CHANGE_MESSAGE_INVISIBLETIME],
        pop_ack::change_invisible_time,
    );
    let r = add(r, state, &unsupported::codes(), unsupported::not_supported);
    // ACL 1.0 admin (codes 50–53): crate::acl::admin.
    use crate::acl::admin as acl;
    let r = add(
        r,
        state,
        &[code::UPDATE_AND_CREATE_ACL_CONFIG],
        acl::update_account,
    );
    let r = add(r, state, &[code::DELETE_ACL_CONFIG], acl::delete_account);
    let r = add(
        r,
        state,
        &[code::GET_BROKER_CLUSTER_ACL_INFO],
        acl::acl_info,
    );
    let r = add(
        r,
        state,
        &[code::UPDATE_GLOBAL_WHITE_ADDRS_CONFIG],
        acl::update_global_white,
    );
    let r = lookup_routes(r, state);
    admin_routes(r, state)
}

/// RocketMQ 5's batch creates and the lookups its clients and mqadmin send.
fn lookup_routes(r: Router, state: &Arc<BrokerState>) -> Router {
    let r = add(
        r,
        state,
        &[code::UPDATE_AND_CREATE_TOPIC_LIST],
        admin_batch::create_topics,
    );
    let r = add(
        r,
        state,
        &[code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST],
        admin_batch::create_groups,
    );
    let r = add(
        r,
        state,
        &[code::GET_SUBSCRIPTIONGROUP_CONFIG],
        admin_lookup::group_config,
    );
    let r = add(
        r,
        state,
        &[code::QUERY_SUBSCRIPTION_BY_CONSUMER],
        admin_lookup::subscription_by_consumer,
    );
    let r = add(
        r,
        state,
        &[code::GET_SYSTEM_TOPIC_LIST_FROM_BROKER],
        admin_lookup::system_topics,
    );
    let r = add(
        r,
        state,
        &[code::GET_ALL_PRODUCER_INFO],
        admin_lookup::producer_table,
    );
    let r = add(
        r,
        state,
        &[code::QUERY_CORRECTION_OFFSET],
        admin_lookup::correction_offset,
    );
    let r = add(
        r,
        state,
        &[code::GET_BROKER_CONSUME_STATS],
        admin_progress::broker_consume_stats,
    );
    add(
        r,
        state,
        &[code::QUERY_CONSUME_QUEUE],
        admin_progress::query_consume_queue,
    )
}

/// The admin requests (mqadmin, dashboards).
fn admin_routes(r: Router, state: &Arc<BrokerState>) -> Router {
    let r = add(
        r,
        state,
        &[code::UPDATE_AND_CREATE_TOPIC],
        admin_topics::create_topic,
    );
    let r = add(
        r,
        state,
        &[code::DELETE_TOPIC_IN_BROKER],
        admin_topics::delete_topic,
    );
    let r = add(
        r,
        state,
        &[code::GET_ALL_TOPIC_CONFIG],
        admin_topics::all_topic_config,
    );
    let r = add(
        r,
        state,
        &[code::GET_TOPIC_CONFIG],
        admin_topics::topic_config,
    );
    let r = add(
        r,
        state,
        &[code::GET_TOPIC_STATS_INFO],
        admin_topics::topic_stats,
    );
    let r = add(
        r,
        state,
        &[code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP],
        admin_groups::create_group,
    );
    let r = add(
        r,
        state,
        &[code::DELETE_SUBSCRIPTIONGROUP],
        admin_groups::delete_group,
    );
    let r = add(
        r,
        state,
        &[code::GET_ALL_SUBSCRIPTIONGROUP_CONFIG],
        admin_groups::all_groups,
    );
    let r = add(
        r,
        state,
        &[code::GET_ALL_CONSUMER_OFFSET],
        admin_groups::all_offsets,
    );
    let r = add(
        r,
        state,
        &[code::GET_CONSUME_STATS],
        admin_groups::consume_stats,
    );
    let r = add(
        r,
        state,
        &[code::QUERY_TOPIC_CONSUME_BY_WHO],
        admin_groups::topic_consumed_by,
    );
    let r = add(
        r,
        state,
        &[code::QUERY_TOPICS_BY_CONSUMER],
        admin_groups::topics_by_consumer,
    );
    let r = add(
        r,
        state,
        &[code::CLONE_GROUP_OFFSET],
        admin_groups::clone_offsets,
    );
    let r = add(
        r,
        state,
        &[code::QUERY_CONSUME_TIME_SPAN],
        admin_groups::consume_time_span,
    );
    let r = add(
        r,
        state,
        &[code::GET_BROKER_RUNTIME_INFO],
        admin_broker::runtime_info,
    );
    let r = add(
        r,
        state,
        &[code::VIEW_BROKER_STATS_DATA],
        admin_broker::view_stats,
    );
    let r = add(
        r,
        state,
        &[code::GET_BROKER_CONFIG],
        admin_broker::broker_config,
    );
    let r = add(
        r,
        state,
        &[code::UPDATE_BROKER_CONFIG],
        admin_broker::update_broker_config,
    );
    let r = add(
        r,
        state,
        &[code::CLEAN_EXPIRED_CONSUMEQUEUE],
        admin_broker::clean_expired_consume_queue,
    );
    let r = add(
        r,
        state,
        &[code::CLEAN_UNUSED_TOPIC],
        admin_broker::clean_unused_topic,
    );
    let r = add(
        r,
        state,
        // DELETE_EXPIRED_COMMITLOG: Java runs the same manual deletion for both.
        &[code::TRIGGER_DELETE_FILES, code::DELETE_EXPIRED_COMMITLOG],
        admin_broker::trigger_delete_files,
    );
    let r = add(
        r,
        state,
        &[code::GET_CONSUMER_CONNECTION_LIST],
        admin_clients::consumer_connections,
    );
    let r = add(
        r,
        state,
        &[code::GET_PRODUCER_CONNECTION_LIST],
        admin_clients::producer_connections,
    );
    let r = add(
        r,
        state,
        &[code::INVOKE_BROKER_TO_RESET_OFFSET],
        admin_clients::reset_offset,
    );
    let r = add(
        r,
        state,
        &[code::GET_CONSUMER_RUNNING_INFO],
        admin_clients::consumer_running_info,
    );
    add(
        r,
        state,
        &[code::CONSUME_MESSAGE_DIRECTLY],
        admin_clients::consume_message_directly,
    )
}
