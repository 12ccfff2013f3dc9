// Starts kinesalite on loopback only (its CLI binds every interface and has no host flag).
// Usage: node kinesis.js [port]   (default 4567). In-memory: nothing is kept after the process ends.
'use strict';

const kinesalite = require('kinesalite');

const port = Number(process.argv[2] || process.env.KINESIS_PORT || 4567);
const host = '127.0.0.1';

const server = kinesalite({
  createStreamMs: 0,
  deleteStreamMs: 0,
  updateStreamMs: 0,
  shardLimit: 200,
});

server.listen(port, host, err => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log(`kinesalite listening on http://${host}:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
