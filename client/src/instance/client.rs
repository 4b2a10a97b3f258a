//! [`ClientInstance`]: the connection to a RocketMQ cluster shared by a process's producers
//! and consumers (Java `MQClientInstance`).

use cometmq_remoting::periodic;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use cometmq_remoting::body::client::ConsumerListBody;
use cometmq_remoting::body::{fastjson, TopicRouteData, MASTER_ID};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::GetConsumerListByGroupRequestHeader;
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;
use parking_lot::{Mutex, MutexGuard};
use tokio::sync::watch;

use super::member_traits::{ConsumerMember, ProducerMember};
use super::route::{merge_broker_addrs, subscribe_queues, BrokerAddrTable};
use super::{handler, ClientConfig, NameServers};
use crate::consumer::offset_store::BrokerResolver;
use crate::error::{ClientError, Result};

/// Shared mutable state; the lock is held only for map operations, never across `.await`.
#[derive(Default)]
pub(super) struct State {
    pub routes: HashMap<String, TopicRouteData>,
    pub brokers: BrokerAddrTable,
    pub producers: HashMap<String, Arc<dyn ProducerMember>>,
    pub consumers: HashMap<String, Arc<dyn ConsumerMember>>,
    /// Broker address → the `version` its HEART_BEAT response carried.
    pub broker_versions: HashMap<String, i32>,
}

/// One client's view of a cluster: its id, connections, NameServers, topic routes, and the
/// producer and consumer groups it serves. Producers and consumers register with it; it
/// refreshes their topics' routes every 30 s, sends heartbeats every 30 s, and answers the
/// requests brokers send to clients.
///
/// ```no_run
/// # async fn demo() -> cometmq_client::Result<()> {
/// use cometmq_client::instance::{ClientConfig, ClientInstance};
/// let instance = ClientInstance::new(ClientConfig::new("127.0.0.1:9876"));
/// instance.start();
/// let route = instance.update_topic_route("TopicTest").await?;
/// println!("{} routes to {:?}", instance.client_id(), route);
/// instance.shutdown().await;
/// # Ok(()) }
/// ```
pub struct ClientInstance {
    pub(super) config: ClientConfig,
    client_id: String,
    pub(super) remoting: Arc<RemotingClient>,
    namesrv: NameServers,
    pub(super) state: Mutex<State>,
    stop: watch::Sender<bool>,
    started: AtomicBool,
    /// Requests waiting for their reply.
    pub replies: super::Replies,
}

impl std::fmt::Debug for ClientInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientInstance")
            .field("client_id", &self.client_id)
            .field("namesrv", &self.namesrv)
            .finish_non_exhaustive()
    }
}

impl ClientInstance {
    /// An instance for `config` (instance name `DEFAULT` becomes `<pid>#<nanos>`). Nothing
    /// runs until [`Self::start`].
    pub fn new(mut config: ClientConfig) -> Arc<Self> {
        config.resolve_instance_name();
        let client_id = config.client_id();
        Arc::new_cyclic(|weak: &Weak<ClientInstance>| {
            let router = handler::router(weak.clone());
            let remoting = Arc::new(RemotingClient::with_handler(
                config.transport.clone(),
                Arc::new(router),
            ));
            let namesrv = NameServers::new(
                config.namesrv_addrs(),
                remoting.clone(),
                config.request_timeout,
            );
            ClientInstance {
                config,
                client_id,
                remoting,
                namesrv,
                state: Mutex::new(State::default()),
                stop: watch::channel(false).0,
                started: AtomicBool::new(false),
                replies: super::Replies::default(),
            }
        })
    }

    /// This client's id, `ip@instance[@unit]`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The transport, for requests the instance has no helper for.
    pub fn remoting(&self) -> &Arc<RemotingClient> {
        &self.remoting
    }

    /// The NameServers.
    pub fn namesrv(&self) -> &NameServers {
        &self.namesrv
    }

    /// Starts the periodic tasks: route refresh (first after 10 ms) and heartbeats (first
    /// after 1 s). Idempotent.
    pub fn start(self: &Arc<Self>) {
        if self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let refresh = self.config.poll_name_server_interval;
        self.spawn_periodic(Duration::from_millis(10), refresh, |me| async move {
            me.refresh_all_routes().await;
        });
        let heartbeat = self.config.heartbeat_broker_interval;
        self.spawn_periodic(Duration::from_secs(1), heartbeat, |me| async move {
            me.send_heartbeat_to_all_brokers().await;
        });
    }

    /// Runs `tick` after `first`, then every `every`, until shutdown or until the instance
    /// is dropped.
    fn spawn_periodic<F, Fut>(self: &Arc<Self>, first: Duration, every: Duration, tick: F)
    where
        F: Fn(Arc<ClientInstance>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let weak = Arc::downgrade(self);
        let mut stop = self.stop.subscribe();
        tokio::spawn(async move {
            // Shutdown changes the channel; dropping the instance closes it.
            let stopped = stop.changed();
            let mut next = first;
            let period = || std::mem::replace(&mut next, every);
            periodic::every(stopped, period, move || {
                let tick = weak.upgrade().map(&tick);
                async move {
                    if let Some(tick) = tick {
                        tick.await;
                    }
                }
            })
            .await;
        });
    }

    /// Stops the periodic tasks and closes every connection.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        self.remoting.shutdown().await;
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// Registers a producer group; fails if the group is already registered here.
    pub fn register_producer(&self, member: Arc<dyn ProducerMember>) -> Result<()> {
        let group = member.group();
        let mut s = self.lock();
        if s.producers.contains_key(&group) {
            return Err(ClientError::invalid(
                "producer group",
                format!("the producer group {group} has been created before, specify another name please"),
            ));
        }
        s.producers.insert(group, member);
        Ok(())
    }

    /// Registers a consumer group; fails if the group is already registered here.
    pub fn register_consumer(&self, member: Arc<dyn ConsumerMember>) -> Result<()> {
        let group = member.group();
        let mut s = self.lock();
        if s.consumers.contains_key(&group) {
            return Err(ClientError::invalid(
                "consumer group",
                format!("the consumer group {group} has been created before, specify another name please"),
            ));
        }
        s.consumers.insert(group, member);
        Ok(())
    }

    /// Removes a producer group and tells every broker (UNREGISTER_CLIENT).
    pub async fn unregister_producer(&self, group: &str) {
        if self.lock().producers.remove(group).is_some() {
            self.unregister_client(Some(group), None).await;
        }
    }

    /// Removes a consumer group and tells every broker (UNREGISTER_CLIENT).
    pub async fn unregister_consumer(&self, group: &str) {
        if self.lock().consumers.remove(group).is_some() {
            self.unregister_client(None, Some(group)).await;
        }
    }

    /// Whether producers or consumers still use this instance (the consumers' shared inner
    /// producer does not count).
    pub fn has_members(&self) -> bool {
        let s = self.lock();
        !s.consumers.is_empty()
            || s.producers
                .keys()
                .any(|g| g != crate::producer::CLIENT_INNER_PRODUCER_GROUP)
    }

    /// The registered consumer of `group`.
    pub fn consumer(&self, group: &str) -> Option<Arc<dyn ConsumerMember>> {
        self.lock().consumers.get(group).cloned()
    }

    /// The registered producer of `group`.
    pub fn producer(&self, group: &str) -> Option<Arc<dyn ProducerMember>> {
        self.lock().producers.get(group).cloned()
    }

    /// The registered consumers.
    pub fn consumers(&self) -> Vec<Arc<dyn ConsumerMember>> {
        self.lock().consumers.values().cloned().collect()
    }

    /// The cached route of `topic`.
    pub fn cached_route(&self, topic: &str) -> Option<TopicRouteData> {
        self.lock().routes.get(topic).cloned()
    }

    /// Refreshes the routes of every topic the registered producers and consumers use.
    pub async fn refresh_all_routes(&self) {
        let topics: Vec<String> = {
            let s = self.lock();
            let mut t: Vec<String> = s
                .producers
                .values()
                .flat_map(|p| p.publish_topics())
                .chain(s.consumers.values().flat_map(|c| c.subscribed_topics()))
                .collect();
            t.sort();
            t.dedup();
            t
        };
        for topic in topics {
            if let Err(e) = self.update_topic_route(&topic).await {
                tracing::warn!(%topic, error = %e, "route refresh failed");
            }
        }
    }

    /// Fetches `topic`'s route from the NameServers and, if it changed, updates the broker
    /// table and tells the producers and consumers using the topic. `Ok(None)` when the
    /// topic has no route.
    pub async fn update_topic_route(&self, topic: &str) -> Result<Option<TopicRouteData>> {
        let Some(route) = self.namesrv.topic_route(topic).await? else {
            tracing::debug!(%topic, "no route for topic");
            return Ok(None);
        };
        self.apply_route(topic, route.clone());
        Ok(Some(route))
    }

    /// Stores `route` for `topic` and hands it to the producers and the consumers of the
    /// topic (every time, so members registered after the route was cached get it too).
    pub(super) fn apply_route(&self, topic: &str, route: TopicRouteData) {
        let (producers, consumers) = {
            let mut s = self.lock();
            merge_broker_addrs(&mut s.brokers, &route);
            if s.routes.get(topic) != Some(&route) {
                tracing::info!(%topic, "topic route changed");
                s.routes.insert(topic.to_owned(), route.clone());
            }
            let producers: Vec<_> = s.producers.values().cloned().collect();
            let consumers: Vec<_> = s
                .consumers
                .values()
                .filter(|c| c.subscribed_topics().iter().any(|t| t == topic))
                .cloned()
                .collect();
            (producers, consumers)
        };
        for p in producers {
            p.route_changed(topic, &route);
        }
        let queues = subscribe_queues(topic, &route);
        for c in consumers {
            c.subscribe_queues_changed(topic, queues.clone());
        }
    }

    /// Records a route's broker addresses without caching the route (used for the template
    /// topic's route when sending to a topic that does not exist yet).
    pub fn remember_brokers(&self, route: &TopicRouteData) {
        merge_broker_addrs(&mut self.lock().brokers, route);
    }

    /// The address of `broker_name`'s broker `broker_id`; with `only_this` false, falls back
    /// to the master, then to any member.
    pub fn find_broker_addr(
        &self,
        broker_name: &str,
        broker_id: i64,
        only_this: bool,
    ) -> Option<String> {
        let s = self.lock();
        let addrs = s.brokers.get(broker_name)?;
        if let Some(a) = addrs.get(&broker_id) {
            return Some(a.clone());
        }
        if only_this {
            return None;
        }
        addrs
            .get(&MASTER_ID)
            .or_else(|| addrs.values().next())
            .cloned()
    }

    /// A broker serving `topic` (a random broker group; its master if alive), refreshing the
    /// route if none is known.
    pub async fn find_broker_addr_by_topic(&self, topic: &str) -> Result<String> {
        let pick = |me: &Self| -> Option<String> {
            let s = me.lock();
            let route = s.routes.get(topic)?;
            let n = route.broker_datas.len();
            let bd = route.broker_datas.get(rand::random::<usize>() % n.max(1))?;
            bd.broker_addrs
                .get(&MASTER_ID)
                .or_else(|| bd.broker_addrs.values().next())
                .cloned()
        };
        if let Some(a) = pick(self) {
            return Ok(a);
        }
        self.update_topic_route(topic).await?;
        pick(self).ok_or_else(|| ClientError::NoRoute {
            topic: topic.to_owned(),
            reason: "no broker serves the topic".into(),
        })
    }

    /// The client ids of `group`'s online consumers, asked of a broker serving `topic`
    /// (GET_CONSUMER_LIST_BY_GROUP).
    pub async fn consumer_id_list(&self, topic: &str, group: &str) -> Result<Vec<String>> {
        let code = request::GET_CONSUMER_LIST_BY_GROUP;
        let addr = self.find_broker_addr_by_topic(topic).await?;
        let header = GetConsumerListByGroupRequestHeader {
            consumer_group: group.to_owned(),
        };
        let req = RemotingCommand::request_with_header(code, &header);
        let resp = self
            .remoting
            .invoke(&addr, req, self.config.request_timeout)
            .await
            .map_err(|e| ClientError::remoting(code, &addr, e))?;
        if resp.code != response::SUCCESS {
            return Err(ClientError::response(code, &addr, &resp));
        }
        let body: ConsumerListBody = fastjson::from_slice(&resp.body.to_bytes())
            .map_err(|e| ClientError::bad_body(code, &addr, e))?;
        Ok(body.consumer_id_list)
    }
}

#[async_trait]
impl BrokerResolver for ClientInstance {
    async fn broker_addr(&self, broker_name: &str, topic: &str) -> Option<String> {
        if let Some(a) = self.find_broker_addr(broker_name, MASTER_ID, false) {
            return Some(a);
        }
        if let Err(e) = self.update_topic_route(topic).await {
            tracing::warn!(%topic, error = %e, "route refresh failed");
        }
        self.find_broker_addr(broker_name, MASTER_ID, false)
    }
}
