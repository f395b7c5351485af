require('reflect-metadata');
// Telemetry exporters are off in tests unless a test turns them on.
process.env.OTEL_SDK_DISABLED = process.env.OTEL_SDK_DISABLED ?? 'true';
process.env.HOLDFAST_LOG_LEVEL = process.env.HOLDFAST_LOG_LEVEL ?? 'silent';
