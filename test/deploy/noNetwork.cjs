'use strict';
/**
 * Preloaded (`node --require`) into the Serverless Framework by test/deploy/serverless.test.ts:
 * any TCP/TLS connection or DNS lookup throws and is reported on stderr, which fails the test.
 * The framework and the Google plugin must do `print` and `package` offline; unix sockets
 * (none are used) stay allowed so Node's own IPC is untouched.
 */
const net = require('node:net');
const dns = require('node:dns');

function refuse(what) {
  const message = `offline test: network access attempted (${what})`;
  process.stderr.write(`${message}\n`);
  throw new Error(message);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const [first] = args;
  if (first && typeof first === 'object' && first.path && !first.host && !first.port) return connect.apply(this, args);
  refuse(`connect ${first && typeof first === 'object' ? `${first.host ?? ''}:${first.port ?? ''}` : String(first)}`);
};
dns.lookup = (host) => refuse(`dns lookup ${host}`);
dns.promises.lookup = async (host) => refuse(`dns lookup ${host}`);
dns.resolve = (host) => refuse(`dns resolve ${host}`);
