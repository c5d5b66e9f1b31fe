# Push with prometheus_client (pip install prometheus-client, or Debian's python3-prometheus-client).
# PUSHGATEWAY_URL=https://<app>.azurewebsites.net PUSHGATEWAY_KEY=<push key> python3 push.py push|pushadd|delete
import os
import sys

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import (basic_auth_handler, delete_from_gateway,
                                          push_to_gateway, pushadd_to_gateway)

registry = CollectorRegistry()
Counter('backup_files', 'Files backed up.', registry=registry).inc(42)
Gauge('backup_size_bytes', 'Size of the backup.', registry=registry).set(1234)
Histogram('backup_duration_seconds', 'Backup duration.', buckets=(1, 5, 30), registry=registry).observe(3.2)

url = os.environ['PUSHGATEWAY_URL']
key = os.environ.get('PUSHGATEWAY_KEY')


def auth(url, method, timeout, headers, data):
    # Basic auth: any user name, the key as the password.
    return basic_auth_handler(url, method, timeout, headers, data, 'push', key if key else None)


group = {'instance': 'db-1', 'site': 'eu'}
op = sys.argv[1] if len(sys.argv) > 1 else 'push'
if op == 'push':  # PUT: replace the group
    push_to_gateway(url, job='backup', registry=registry, grouping_key=group, handler=auth)
elif op == 'pushadd':  # POST: replace only these metrics
    pushadd_to_gateway(url, job='backup', registry=registry, grouping_key=group, handler=auth)
elif op == 'delete':  # DELETE: remove the group
    delete_from_gateway(url, job='backup', grouping_key=group, handler=auth)
print(op + ': ok')
