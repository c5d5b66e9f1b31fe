// Push the text format with axios, as in the blog post that started this project.
// PUSHGATEWAY_URL=https://<app>.azurewebsites.net PUSHGATEWAY_KEY=<push key> node axios.js push|pushAdd|delete
const axios = require('axios');

const url = `${process.env.PUSHGATEWAY_URL}/metrics/job/backup/instance/db-1/site/eu`;
const key = process.env.PUSHGATEWAY_KEY;
const config = { headers: key ? { Authorization: `Bearer ${key}` } : {} };

const body = `
    # TYPE backup_files_total counter
    backup_files_total 42
    # TYPE backup_size_bytes gauge
    backup_size_bytes 1234
    # TYPE backup_duration_seconds histogram
    backup_duration_seconds_bucket{le="1"} 0
    backup_duration_seconds_bucket{le="5"} 1
    backup_duration_seconds_bucket{le="30"} 1
    backup_duration_seconds_bucket{le="+Inf"} 1
    backup_duration_seconds_sum 3.2
    backup_duration_seconds_count 1
  `;

const requests = {
  push: () => axios.put(url, body, config), // replace the group
  pushAdd: () => axios.post(url, body, config), // replace only these metrics
  delete: () => axios.delete(url, config), // remove the group
};
const op = process.argv[2] || 'push';
requests[op]().then(
  (resp) => console.log(`${op}: ${resp.status}`),
  (err) => { console.error(`${op} failed: ${err.message} ${JSON.stringify(err.response?.data ?? '')}`); process.exitCode = 1; },
);
