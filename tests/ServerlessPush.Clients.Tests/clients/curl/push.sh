#!/usr/bin/env bash
# Push the text format with curl, plain or gzip-compressed.
# PUSHGATEWAY_URL=https://<app>.azurewebsites.net PUSHGATEWAY_KEY=<push key> bash push.sh push|pushadd|delete
set -euo pipefail
url="$PUSHGATEWAY_URL/metrics/job/backup/instance/db-1/site/eu"
auth=()
if [[ -n "${PUSHGATEWAY_KEY:-}" ]]; then auth=(-H "x-functions-key: $PUSHGATEWAY_KEY"); fi

metrics() {
  cat <<'METRICS'
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
METRICS
}

case "${1:-push}" in
  push) # PUT: replace the group
    metrics | curl -sS --fail-with-body "${auth[@]}" -X PUT --data-binary @- "$url" ;;
  pushadd) # POST, gzip-compressed: replace only these metrics
    metrics | gzip | curl -sS --fail-with-body "${auth[@]}" -H 'Content-Encoding: gzip' --data-binary @- "$url" ;;
  delete) # DELETE: remove the group
    curl -sS --fail-with-body "${auth[@]}" -X DELETE "$url" ;;
esac
