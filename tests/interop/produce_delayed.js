'use strict';
// Produces messages with delay levels through a CometMQ NameServer + broker with ali-ons,
// consumes them (clustering), and prints one JSON line with each message's delay level,
// born and store times (the store time of the delivered copy).
//
// Usage: node produce_delayed.js <nameSrv host:port> <topic> <group> <level>...
// Run by broker/tests/interop_ali_ons.rs; see /work/shared/INTEROP.md for the set-up.

const { Producer, Consumer, Message } = require('ali-ons');

const [nameSrv, topic, group, ...levelArgs] = process.argv.slice(2);
const levels = levelArgs.map(Number);

const logger = {
  debug() {},
  info() {},
  warn(...args) { console.error('[ali-ons warn]', ...args); },
  error(...args) { console.error('[ali-ons error]', ...args); },
};
const httpclient = {
  async request() { throw new Error('no address server in CometMQ tests'); },
};

async function main() {
  const producer = new Producer({
    nameSrv, httpclient, logger,
    producerGroup: `${group}_P`,
    instanceName: `produce-${process.pid}`,
  });
  producer.on('error', err => console.error('[producer error]', err));
  await producer.ready();

  const sent = [];
  for (let i = 0; i < levels.length; i++) {
    const msg = new Message(topic, 'TagD', Buffer.from(`delayed ${i}`));
    msg.delayTimeLevel = levels[i];
    const r = await producer.send(msg);
    sent.push({ i, level: levels[i], status: r.sendStatus, msgId: r.msgId });
  }

  const consumer = new Consumer({
    nameSrv, httpclient, logger,
    consumerGroup: group,
    instanceName: `consume-${process.pid}`,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    isBroadcast: false,
  });
  consumer.on('error', err => console.error('[consumer error]', err));
  const received = [];
  let done;
  const all = new Promise(resolve => { done = resolve; });
  consumer.subscribe(topic, 'TagD', async msg => {
    received.push({
      body: msg.body.toString(),
      bornTimestamp: msg.bornTimestamp,
      storeTimestamp: msg.storeTimestamp,
      delay: msg.properties.DELAY || null,
      realTopic: msg.properties.REAL_TOPIC || null,
    });
    if (received.length >= levels.length) done();
  });
  await consumer.ready();
  const timer = setTimeout(done, 45000);
  await all;
  clearTimeout(timer);

  console.log(JSON.stringify({ sent, received }));
  await consumer.close().catch(() => {});
  await producer.close().catch(() => {});
  process.exit(0);
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
