#!/usr/bin/env python3
"""Posts records to an HTTP Data Collector API endpoint the way Microsoft's documentation shows
(SharedKey signature over POST, content length, content type, x-ms-date and /api/logs), using only
Python's standard library: an independent client of intake's /api/logs receiver.

Usage: data_collector_sender.py BASE_URL WORKSPACE_ID KEY_BASE64 LOG_TYPE COUNT [CA_FILE]
Prints "sent records=N status=200" and exits 0 when every post was answered 200."""
import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import ssl
import sys
import urllib.error
import urllib.request


def build_signature(workspace_id, key, date, content_length, method, content_type, resource):
    x_headers = "x-ms-date:" + date
    string_to_hash = method + "\n" + str(content_length) + "\n" + content_type + "\n" + x_headers + "\n" + resource
    decoded_key = base64.b64decode(key)
    digest = hmac.new(decoded_key, string_to_hash.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return "SharedKey {}:{}".format(workspace_id, base64.b64encode(digest).decode())


def post(base_url, workspace_id, key, log_type, records, context):
    body = json.dumps(records).encode("utf-8")
    date = email.utils.formatdate(usegmt=True)
    signature = build_signature(workspace_id, key, date, len(body), "POST", "application/json", "/api/logs")
    request = urllib.request.Request(
        base_url + "/api/logs?api-version=2016-04-01",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": signature,
            "Log-Type": log_type,
            "x-ms-date": date,
            "time-generated-field": "eventTime",
        },
    )
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as e:
        sys.stderr.write("HTTP {}: {}\n".format(e.code, e.read().decode("utf-8", "replace")))
        return e.code


def main():
    base_url, workspace_id, key, log_type, count = sys.argv[1:6]
    context = ssl.create_default_context(cafile=sys.argv[6]) if len(sys.argv) > 6 else None
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    records = []
    for i in range(int(count)):
        records.append({
            "Id": i,
            "Computer": "host-{}".format(i % 10),
            "Message": "sign-in from Zürich" if i % 2 else "disk almost full",
            "Healthy": i % 3 != 0,
            "CorrelationId": "8145d822-13a7-44ad-859c-{:012d}".format(i),
            "eventTime": (now - datetime.timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
            "Details": {"severity": "high" if i % 5 == 0 else "low", "tags": ["a", "b"]},
        })
    sent = 0
    for start in range(0, len(records), 200):
        batch = records[start:start + 200]
        status = post(base_url, workspace_id, key, log_type, batch, context)
        if status != 200:
            print("failed status={}".format(status))
            return 1
        sent += len(batch)
    print("sent records={} status=200".format(sent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
