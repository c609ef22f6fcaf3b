// Uploads rows to a Logs Ingestion endpoint with the official Azure SDK (@azure/monitor-ingestion),
// as an independent client of intake's receiver and as the reference for intake's own uploader.
// Usage: node logs_ingestion_upload.mjs ENDPOINT DCR_ID STREAM TOKEN (--generate N | --file ROWS.ndjson) [--concurrency C]
// The endpoint's certificate is trusted through NODE_EXTRA_CA_CERTS. Prints one JSON line.
import { readFileSync } from "node:fs";
import { LogsIngestionClient, isAggregateLogsUploadError } from "@azure/monitor-ingestion";

const [endpoint, dcr, stream, token, ...rest] = process.argv.slice(2);
let rows = [];
let concurrency = 1;
for (let i = 0; i < rest.length; i += 2) {
  if (rest[i] === "--generate") {
    const n = Number(rest[i + 1]);
    const start = Date.parse("2024-06-01T00:00:00Z");
    for (let k = 0; k < n; k++) {
      rows.push({
        alertTime: new Date(start + k * 1000).toISOString(),
        uuid: `00000000-0000-4000-8000-${String(k).padStart(12, "0")}`,
        modelName: `Anomalous Connection / Model ${k % 17}`,
        score: k % 100,
        deviceHostname: `host-${k % 250}.corp.example`,
        sourceIp: `10.0.${(k >> 8) & 255}.${k & 255}`,
        mitreTechniques: ["T1071", "T1041"],
        darktraceProduct: "Policy Breach",
      });
    }
  } else if (rest[i] === "--file") {
    rows = readFileSync(rest[i + 1], "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
  } else if (rest[i] === "--concurrency") {
    concurrency = Number(rest[i + 1]);
  } else {
    console.error(`unknown argument ${rest[i]}`);
    process.exit(2);
  }
}
const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600 * 1000 }) };
const client = new LogsIngestionClient(endpoint, credential);
const cpu0 = process.cpuUsage();
const started = process.hrtime.bigint();
try {
  await client.upload(dcr, stream, rows, { maxConcurrency: concurrency });
} catch (e) {
  if (isAggregateLogsUploadError(e)) {
    console.log(JSON.stringify({ ok: false, failed_chunks: e.errors.length, error: String(e.errors[0]?.cause ?? e) }));
  } else {
    console.log(JSON.stringify({ ok: false, error: String(e) }));
  }
  process.exit(1);
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ ok: true, rows: rows.length, ms, cpu_ms: (cpu.user + cpu.system) / 1000 }));
