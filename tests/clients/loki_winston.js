// Sends log lines to lode's Loki push API with winston-loki, a Loki
// client library: protobuf with snappy by default, JSON with `json`.
//   node loki_winston.js URL protobuf|json COUNT [TENANT]
// Exits 0 when every batch was accepted.
'use strict';
const winston = require('winston');
const LokiTransport = require('winston-loki');

const [base, encoding, countText, tenant] = process.argv.slice(2);
if (encoding === 'protobuf') {
  // winston-loki quietly falls back to JSON when its snappy binding is
  // missing; this run must really send protobuf.
  require('snappy');
}
const count = Number(countText || '10');
let failures = 0;
const transport = new LokiTransport({
  host: base,
  json: encoding === 'json',
  labels: { app: 'winston', encoding },
  headers: tenant ? { 'X-Scope-OrgID': tenant } : {},
  batching: true,
  interval: 0.2,
  replaceTimestamp: false,
  gracefulShutdown: false,
  onConnectionError: (err) => {
    failures++;
    console.error('push failed:', err && err.message);
  },
});
const logger = winston.createLogger({
  level: 'debug',
  format: winston.format.json(),
  transports: [transport],
});

for (let i = 0; i < count; i++) {
  const level = i % 4 === 3 ? 'error' : 'info';
  logger.log({ level, message: `request ${i} done`, labels: { route: i % 2 ? '/a' : '/b' } });
}
logger.info('caf\u00e9 \u2603 unicode line');

// winston-loki sends its batch every `interval` seconds; flush, then wait
// for the last request to finish.
setTimeout(async () => {
  try {
    await transport.flush();
  } catch (e) {
    failures++;
    console.error('flush failed:', e && e.message);
  }
  setTimeout(() => process.exit(failures === 0 ? 0 : 1), 300);
}, 800);
