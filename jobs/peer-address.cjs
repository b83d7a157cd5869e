// Preloaded into `next start` by jobs/start.ts (`node --require`): writes the TCP peer's
// address into the `x-masklab-peer` request header, overwriting any value a client sent,
// so sign-in throttling (lib/http/client-address.ts) can tell who is really connecting.
// Next.js itself keeps a client-sent X-Forwarded-For, and a route handler has no socket.
'use strict';
const http = require('node:http');

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, ...rest) {
  if (event === 'request' && req && req.headers) {
    req.headers['x-masklab-peer'] = (req.socket && req.socket.remoteAddress) || '';
  }
  return emit.call(this, event, req, ...rest);
};
