// Tests print no Powertools log lines or EMF metric blobs; set before any handler module loads.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
