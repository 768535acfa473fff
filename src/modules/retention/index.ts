export { describeRetentionApi, retentionRouter } from './retention.routes';
export { RetentionSchedule } from './retention.schedule';
export { previewRetention, runRetention, type RetentionCounts, type RetentionPreview, type RetentionRun } from './retention.service';
