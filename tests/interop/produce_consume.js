'use strict';
// Produces messages with tags and keys through a CometMQ NameServer + broker with ali-ons,
// then consumes them (clustering, tag filter) and prints one JSON line with what happened.
//
// Usage: node produce_consume.js <nameSrv host:port> <topic> <count> <group>
// Run by broker/tests/interop_ali_ons.rs; see /work/shared/INTEROP.md for the set-up.

const { Producer, Consumer, Message } = require('ali-ons');
const { logger, httpclient } = require('./common');

const [nameSrv, topic, countArg, group] = process.argv.slice(2);
const count = Number(countArg);


async function main() {
  const producer = new Producer({
    nameSrv, httpclient, logger,
    producerGroup: `${group}_P`,
    instanceName: `produce-${process.pid}`,
  });
  producer.on('error', err => console.error('[producer error]', err));
  await producer.ready();

  const sent = [];
  for (let i = 0; i < count; i++) {
    const tag = i % 2 === 0 ? 'TagA' : 'TagB';
    const msg = new Message(topic, tag, Buffer.from(`hello ${i}`));
    msg.keys = [`key-${i}`];
    const r = await producer.send(msg);
    sent.push({ i, tag, status: r.sendStatus, msgId: r.msgId, queueId: r.messageQueue.queueId, queueOffset: r.queueOffset });
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
  const wanted = sent.filter(s => s.tag === 'TagA').length;
  let done;
  const all = new Promise(resolve => { done = resolve; });
  consumer.subscribe(topic, 'TagA', async msg => {
    received.push({ body: msg.body.toString(), tags: msg.tags, keys: msg.keys, msgId: msg.msgId });
    if (received.length >= wanted) done();
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
