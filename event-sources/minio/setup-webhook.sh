#!/usr/bin/env bash
# Points a MinIO bucket's "object created" notifications for odm.json at the ODM Watcher's
# webhook (POST /events/minio), with a persistent queue so nothing is lost while the watcher is
# down or answers 503.
#
# Usage: setup-webhook.sh ALIAS BUCKET ENDPOINT
#   ALIAS     the mc alias of the MinIO deployment (mc alias set ALIAS https://minio… KEY SECRET)
#   BUCKET    the bucket users upload to
#   ENDPOINT  the watcher's webhook URL as MinIO reaches it, e.g.
#             http://odm-watcher.odm.svc.cluster.local:8080/events/minio
# Environment:
#   ODM_WEBHOOK_TOKEN  bearer token; the same value goes into watcher.minio.token (required)
#   QUEUE_DIR          directory ON THE MINIO SERVER where undelivered events wait
#                      (default /data/.odm-watcher-events; must be on persistent storage)
#   QUEUE_LIMIT        most events kept there (default 100000)
#   MANIFEST_NAME      the manifest file name, = watcher.manifest.name (default odm.json)
#   TARGET_ID          the webhook target's name in MinIO (default odm)
#   ARN_REGION         the deployment's region if one is set (default empty: arn:minio:sqs::odm:webhook)
#   MC                 the mc binary (default mc)
set -euo pipefail

if [[ $# -ne 3 ]]; then
  sed -n '2,18p' "$0" >&2 # print the usage above
  exit 2
fi
alias_name=$1
bucket=$2
endpoint=$3
token=${ODM_WEBHOOK_TOKEN:?set ODM_WEBHOOK_TOKEN (e.g. \$(openssl rand -hex 32)) and the same in watcher.minio.token}
queue_dir=${QUEUE_DIR:-/data/.odm-watcher-events}
queue_limit=${QUEUE_LIMIT:-100000}
manifest=${MANIFEST_NAME:-odm.json}
target=${TARGET_ID:-odm}
region=${ARN_REGION:-}
mc=${MC:-mc}

# mc reads "key=value" pairs and would split a value at a space or stop at a quote: refuse them
# instead of configuring something else than what was asked.
for value in "$endpoint" "$token" "$queue_dir" "$queue_limit" "$manifest" "$target"; do
  if [[ -z $value || $value =~ [[:space:]\"\'] ]]; then
    echo "refusing empty value or value with spaces/quotes: '$value'" >&2
    exit 2
  fi
done
[[ $queue_limit =~ ^[0-9]+$ ]] || { echo "QUEUE_LIMIT must be a number" >&2; exit 2; }
[[ $endpoint =~ ^https?:// ]] || { echo "ENDPOINT must be an http(s) URL" >&2; exit 2; }

# 1. The webhook target "odm": where to POST, with which token, and where to keep events that
#    could not be delivered (MinIO retries them until the watcher answers 2xx).
"$mc" admin config set "$alias_name" "notify_webhook:$target" \
  "endpoint=$endpoint" \
  "auth_token=$token" \
  "queue_dir=$queue_dir" \
  "queue_limit=$queue_limit"

# 2. Notification targets are loaded at start-up.
"$mc" admin service restart "$alias_name"

# 3. Send the bucket's PUT events (Put, Post, Copy, CompleteMultipartUpload) for keys ending in
#    the manifest name to that target.
"$mc" event add "$alias_name/$bucket" "arn:minio:sqs:$region:$target:webhook" \
  --event put --suffix "$manifest"

# Show the result.
"$mc" event ls "$alias_name/$bucket" "arn:minio:sqs:$region:$target:webhook"
