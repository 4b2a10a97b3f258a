'use strict';
// ali-ons with accessKey / secretKey against a CometMQ broker with aclEnable=true: sends to
// a topic the account may use, one it may not, and consumes what it sent; prints one JSON
// line with what happened.
//
// Usage: node acl.js <nameSrv host:port> <allowed topic> <denied topic> <count> <group> <accessKey> <secretKey>
// Run by broker/tests/acl.rs.

const { Producer, Consumer, Message } = require('ali-ons');
const { logger, httpclient } = require('./common');

const [nameSrv, topic, deniedTopic, countArg, group, accessKey, secretKey] = process.argv.slice(2);
const count = Number(countArg);

async function main() {
  const producer = new Producer({
    nameSrv, httpclient, logger, accessKey, secretKey,
    producerGroup: `${group}_P`,
    instanceName: `acl-produce-${process.pid}`,
  });
  producer.on('error', err => console.error('[producer error]', err));
  await producer.ready();

  const sent = [];
  for (let i = 0; i < count; i++) {
    const r = await producer.send(new Message(topic, 'TagA', Buffer.from(`acl ${i}`)));
    sent.push({ i, status: r.sendStatus });
  }
  let denied = null;
  try {
    await producer.send(new Message(deniedTopic, 'TagA', Buffer.from('denied')));
    denied = 'sent';
  } catch (err) {
    denied = String(err && err.message);
  }

  const consumer = new Consumer({
    nameSrv, httpclient, logger, accessKey, secretKey,
    consumerGroup: group,
    instanceName: `acl-consume-${process.pid}`,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    isBroadcast: false,
  });
  consumer.on('error', err => console.error('[consumer error]', err));
  const received = [];
  let done;
  const all = new Promise(resolve => { done = resolve; });
  consumer.subscribe(topic, '*', async msg => {
    received.push(msg.body.toString());
    if (received.length >= count) done();
  });
  await consumer.ready();
  const timer = setTimeout(done, 45000);
  await all;
  clearTimeout(timer);

  console.log(JSON.stringify({ sent, denied, received }));
  await consumer.close().catch(() => {});
  await producer.close().catch(() => {});
  process.exit(0);
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
