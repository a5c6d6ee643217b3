// Sends log records to lode with the OpenTelemetry JS SDK's OTLP/HTTP log
// exporter, as an instrumented service would.
//   node otlp_logs.js URL proto|json COUNT [TENANT]
// URL is the server's base URL; records go to URL/otlp/v1/logs. Exits 0
// when the exporter reports success for every batch.
'use strict';
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { SeverityNumber } = require('@opentelemetry/api-logs');

const [base, encoding, countText, tenant] = process.argv.slice(2);
const count = Number(countText || '10');
const Exporter =
  encoding === 'json'
    ? require('@opentelemetry/exporter-logs-otlp-http').OTLPLogExporter
    : require('@opentelemetry/exporter-logs-otlp-proto').OTLPLogExporter;

let failures = 0;
const exporter = new Exporter({
  url: base + '/otlp/v1/logs',
  headers: tenant ? { 'X-Scope-OrgID': tenant } : {},
});
// Report each export's outcome (the SDK otherwise swallows failures).
const send = exporter.export.bind(exporter);
exporter.export = (records, done) =>
  send(records, (result) => {
    if (result.code !== 0) {
      failures++;
      console.error('export failed:', result.error && result.error.message);
    }
    done(result);
  });

const provider = new LoggerProvider({
  resource: resourceFromAttributes({
    'service.name': 'checkout-' + encoding,
    'service.version': '2.4.1',
    'deployment.environment': 'test',
  }),
  processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 50 })],
});
const logger = provider.getLogger('checkout.payments', '1.0.0');

for (let i = 0; i < count; i++) {
  const error = i % 5 === 4;
  logger.emit({
    severityNumber: error ? SeverityNumber.ERROR : SeverityNumber.INFO,
    severityText: error ? 'ERROR' : 'INFO',
    body: `order ${i} ${error ? 'payment declined' : 'paid'}`,
    attributes: { 'order.id': i, 'http.route': '/pay', retry: false },
    spanContext: undefined,
    context: undefined,
    timestamp: Date.now(),
  });
}
// One record with a trace context and a structured body.
const { trace, context, TraceFlags } = (() => {
  try {
    return require('@opentelemetry/api');
  } catch {
    return {};
  }
})();
let ctx;
if (trace) {
  ctx = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  });
}
logger.emit({
  severityNumber: SeverityNumber.WARN,
  severityText: 'WARN',
  body: { event: 'slow', millis: 1200 },
  context: ctx,
});

provider
  .forceFlush()
  .then(() => provider.shutdown())
  .then(() => process.exit(failures === 0 ? 0 : 1))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
