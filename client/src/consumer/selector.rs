//! [`MessageSelector`]: how a consumer filters a topic (Java `MessageSelector`): by tags,
//! or by an SQL92 expression on message properties that the broker evaluates (it needs
//! `enablePropertyFilter=true`).
//!
//! An SQL92 expression is compiled here when subscribing, so a malformed one fails at
//! once with the parser's reason; at start the consumer also asks each broker serving
//! the topic (CHECK_CLIENT_CONFIG, as Java's `checkClientInBroker`), so a broker that does
//! not filter by SQL92 refuses the start rather than every pull.

use cometmq_remoting::body::client::{SubscriptionData, EXPRESSION_SQL92};
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use crate::error::{ClientError, Result};
use crate::instance::ClientInstance;

/// What a subscription takes from its topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageSelector {
    /// A tag expression: `*` or `TagA || TagB`.
    Tag(String),
    /// An SQL92 expression on the message's properties (`TAGS` is the tag), e.g.
    /// `a > 5 AND TAGS IN ('x', 'y')`.
    Sql(String),
}

impl MessageSelector {
    /// Java `MessageSelector.byTag`.
    pub fn tag(expression: impl Into<String>) -> Self {
        MessageSelector::Tag(expression.into())
    }

    /// Java `MessageSelector.bySql`.
    pub fn sql(expression: impl Into<String>) -> Self {
        MessageSelector::Sql(expression.into())
    }

    /// The subscription to `topic`, at `version`; an SQL92 expression that does not
    /// compile is refused with the reason.
    pub fn subscription(&self, topic: &str, version: i64) -> Result<SubscriptionData> {
        match self {
            MessageSelector::Tag(e) => Ok(SubscriptionData::for_tags(topic, e, version)),
            MessageSelector::Sql(e) => {
                cometmq_filter::Selector::compile(e)
                    .map_err(|err| ClientError::invalid("SQL92 expression", err.to_string()))?;
                Ok(SubscriptionData::for_sql(topic, e, version))
            }
        }
    }
}

/// CHECK_CLIENT_CONFIG's body (Java `CheckClientRequestBody`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckClientRequestBody<'a> {
    client_id: &'a str,
    group: &'a str,
    subscription_data: &'a SubscriptionData,
}

/// Asks every master serving each SQL92 subscription's topic whether it can filter by it
/// (Java `checkClientInBroker`); the first refusal is the error.
pub(crate) async fn check_in_brokers(
    instance: &ClientInstance,
    group: &str,
    subscriptions: &[SubscriptionData],
) -> Result<()> {
    let code = request::CHECK_CLIENT_CONFIG;
    for sub in subscriptions
        .iter()
        .filter(|s| s.expression_type == EXPRESSION_SQL92)
    {
        let route = match instance.cached_route(&sub.topic) {
            Some(r) => Some(r),
            None => instance.update_topic_route(&sub.topic).await.ok().flatten(),
        };
        let Some(route) = route else { continue };
        for bd in &route.broker_datas {
            let Some(addr) = bd.broker_addrs.get(&cometmq_remoting::body::MASTER_ID) else {
                continue;
            };
            let body = CheckClientRequestBody {
                client_id: instance.client_id(),
                group,
                subscription_data: sub,
            };
            let body = fastjson::to_vec(&body, fastjson::JsonStyle::Standard)
                .map_err(|e| ClientError::bad_body(code, addr, e))?;
            let req = RemotingCommand::request(code).with_body(body);
            let resp = instance
                .remoting()
                .invoke(addr, req, instance.config().request_timeout)
                .await
                .map_err(|e| ClientError::remoting(code, addr, e))?;
            if resp.code != response::SUCCESS {
                return Err(ClientError::response(code, addr, &resp));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_compiled_when_subscribing() {
        let ok = MessageSelector::sql("a > 1").subscription("T", 7);
        assert!(ok.is_ok_and(|s| s.expression_type == "SQL92" && s.sub_string == "a > 1"));
        let bad = MessageSelector::sql("a >").subscription("T", 7);
        assert!(bad.is_err_and(|e| e.to_string().contains("Invalid MessageSelector")));
        let tag = MessageSelector::tag("A || B").subscription("T", 7);
        assert!(tag.is_ok_and(|s| s.tags_set.len() == 2));
    }
}
