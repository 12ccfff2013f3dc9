// Starts s3rver on loopback only, storing objects in a throw-away directory.
// Usage: node --openssl-legacy-provider s3.js [port] [directory]   (default 4569, a temp directory)
//
// --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 refuses
// without the legacy provider (paged listings would fail).
//
// Credentials: s3rver only knows the access key S3RVER. This launcher accepts ANY access key id (the local AWS
// servers do not verify SigV4 signatures anyway), so the usual dummy AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY work.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

const port = Number(process.argv[2] || process.env.S3_PORT || 4569);
const directory = process.argv[3] || fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-s3rver-'));
const host = '127.0.0.1';

// Any access key id maps to s3rver's single dummy account.
const lookup = AWSAccount.registry.get.bind(AWSAccount.registry);
AWSAccount.registry.get = accessKeyId => lookup(accessKeyId) || AWSAccount.DUMMY_ACCOUNT;

fs.mkdirSync(directory, { recursive: true });

const server = new S3rver({
  address: host,
  port,
  directory,
  resetOnClose: true,
  silent: true,
  // Path-style addressing only (clients set ForcePathStyle); no bucket.localhost look-ups.
  vhostBuckets: false,
});

server.run().then(
  ({ address, port: bound }) => console.log(`s3rver listening on http://${address}:${bound} (data in ${directory})`),
  err => {
    console.error(err);
    process.exit(1);
  },
);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close().then(
      () => {
        fs.rmSync(directory, { recursive: true, force: true });
        process.exit(0);
      },
      () => process.exit(0),
    );
  });
}
