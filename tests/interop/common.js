'use strict';
// What every ali-ons interop script needs: a quiet logger (stdout is kept for the one JSON
// result line) and the `httpclient` ali-ons insists on, used only for Aliyun's address
// server, which `nameSrv` makes unnecessary. See /work/shared/INTEROP.md.

exports.logger = {
  debug() {},
  info() {},
  warn(...args) { console.error('[ali-ons warn]', ...args); },
  error(...args) { console.error('[ali-ons error]', ...args); },
};

exports.httpclient = {
  async request() { throw new Error('no address server in CometMQ tests'); },
};
