// Push with prom-client's Pushgateway.
// PUSHGATEWAY_URL=https://<app>.azurewebsites.net PUSHGATEWAY_KEY=<push key> node prom-client.js push|pushAdd|delete
const client = require('prom-client');

const registry = new client.Registry();
const files = new client.Counter({ name: 'backup_files_total', help: 'Files backed up.', registers: [registry] });
const size = new client.Gauge({ name: 'backup_size_bytes', help: 'Size of the backup.', registers: [registry] });
const duration = new client.Histogram({
  name: 'backup_duration_seconds', help: 'Backup duration.', buckets: [1, 5, 30], registers: [registry],
});
files.inc(42);
size.set(1234);
duration.observe(3.2);

const key = process.env.PUSHGATEWAY_KEY;
// Basic auth: any user name, the key as the password.
const gateway = new client.Pushgateway(process.env.PUSHGATEWAY_URL, key ? { auth: `push:${key}` } : {}, registry);
const group = { jobName: 'backup', groupings: { instance: 'db-1', site: 'eu' } };

// push: PUT replaces the group; pushAdd: POST replaces only these metrics; delete: DELETE the group.
const op = process.argv[2] || 'push';
gateway[op](group).then(
  ({ resp }) => console.log(`${op}: ${resp.statusCode}`),
  (err) => { console.error(`${op} failed: ${err.message}`); process.exitCode = 1; },
);
