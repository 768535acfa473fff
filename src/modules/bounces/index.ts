export { startBounceListener, type BounceListener } from './listener';
export { takeReport, type IntakeOutcome } from './intake';
export { parseReport, type ParsedReport, type ReportKind } from './reports';
export { describeProviderWebhooksApi, providerWebhooksRouter, type WebhookOptions } from './webhooks/routes';
export { deliverabilityRouter, describeDeliverabilityApi } from './deliverability.routes';
