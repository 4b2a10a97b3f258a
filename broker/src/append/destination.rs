//! Where a message is really stored: delayed messages wait in `SCHEDULE_TOPIC_XXXX`
//! ([`crate::schedule`]), timer messages in `rmq_sys_wheel_timer` ([`crate::timer`])
//! and transactional ones in the half topic
//! ([`crate::transaction`]) before reaching their topic. Step 2 of the append pipeline
//! ([`crate::append::write`]); send responses keep the queue the producer chose.

use cometmq_remoting::message::{property, Properties};

use crate::error::BrokerError;
use crate::state::BrokerState;
use crate::topic_names::{DLQ_PREFIX, TRANS_HALF_TOPIC};

/// For SEND_MESSAGE: a `TRAN_MSG=true` message becomes a half message (unless it is a
/// client-side retry with a delay level, as in Java), else a `DELAY` > 0 message goes to
/// its level's schedule queue; otherwise `(topic, queue_id)` unchanged. Rewrites `props`
/// and `sys_flag` accordingly.
pub async fn for_send(
    state: &BrokerState,
    topic: &str,
    queue_id: i32,
    reconsume_times: i32,
    props: &mut Properties,
    sys_flag: &mut i32,
) -> Result<(String, i32), BrokerError> {
    let delayed = props
        .get(property::DELAY)
        .and_then(|d| d.trim().parse::<i32>().ok())
        .is_some_and(|d| d > 0);
    if crate::transaction::is_transactional(props) && !(reconsume_times > 0 && delayed) {
        crate::transaction::ensure_topic(state, TRANS_HALF_TOPIC).await;
        return Ok(crate::transaction::half_target(
            topic, queue_id, props, sys_flag,
        ));
    }
    for_delay(state, topic, queue_id, props, *sys_flag)
}

/// For writes that only honour delay levels and timers (send-back, committed
/// transactions): a message with a timer property goes to the timer topic (a delay
/// level wins over it), a `DELAY` > 0 message to its level's schedule queue; otherwise
/// unchanged. Dead-letter messages are never delayed (Java resets their level to 0).
/// A timer refused (too far, not a number, timers off) is an error.
pub fn for_delay(
    state: &BrokerState,
    topic: &str,
    queue_id: i32,
    props: &mut Properties,
    sys_flag: i32,
) -> Result<(String, i32), BrokerError> {
    if topic.starts_with(DLQ_PREFIX) {
        return Ok((topic.to_string(), queue_id));
    }
    let now = cometmq_remoting::clock::now_ms();
    if let Some(target) =
        crate::timer::send::timer_target(&state.timer, topic, queue_id, props, sys_flag, now)?
    {
        return Ok(target);
    }
    Ok(
        crate::schedule::delay_target(state.schedule.max_level(), topic, queue_id, props, sys_flag)
            .unwrap_or_else(|| (topic.to_string(), queue_id)),
    )
}
