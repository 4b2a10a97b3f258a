'use strict';
// Resolves topic routes from a CometMQ NameServer with ali-ons, the way its producer does,
// and prints what ali-ons decoded as one JSON line on stdout.
//
// Usage: node route.js <nameSrv host:port> <topic> <missing topic>
// Run by namesrv/tests/interop_ali_ons.rs; see /work/shared/INTEROP.md for the ali-ons set-up.

const { Producer } = require('ali-ons');
const { logger, httpclient } = require('./common');

const [nameSrv, topic, missingTopic] = process.argv.slice(2);



async function main() {
  const producer = new Producer({
    nameSrv,
    httpclient,
    logger,
    producerGroup: 'CometMQInteropRoute',
    instanceName: `route-${process.pid}`,
  });
  producer.on('error', err => console.error('[producer error]', err));
  await producer.ready();

  // The producer's own path: route from the NameServer → publish info (writable queues
  // of brokers with a master).
  const publishInfo = await producer.tryToFindTopicPublishInfo(topic);
  const mqClient = producer._mqClient;
  const route = mqClient._topicRouteTable.get(topic);
  const subscribeQueues = mqClient._topicRouteData2TopicSubscribeInfo(topic, route);

  let missing;
  try {
    await mqClient.getTopicRouteInfoFromNameServer(missingTopic, 3000);
    missing = { error: null };
  } catch (err) {
    missing = { error: err.name, code: err.code, message: err.message };
  }

  console.log(JSON.stringify({
    route,
    publishQueues: publishInfo.messageQueueList.map(q => `${q.brokerName}:${q.queueId}`),
    subscribeQueues: subscribeQueues.map(q => `${q.brokerName}:${q.queueId}`),
    brokerAddrs: Object.fromEntries(mqClient._brokerAddrTable),
    masterOfBrokerA: mqClient.findBrokerAddressInPublish('broker-a'),
    missing,
  }));
  // Closing unregisters from the (fake) brokers of the route, which do not exist here.
  await producer.close().catch(() => {});
}

main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  }
);
