export { describeWebhooksApi, webhooksRouter } from './webhooks.routes';
export { fanOutHandler, sendDeliveryHandler } from './webhooks.jobs';
export { endpointsDisabledByFailure } from './webhooks.service';
export { deleteOldWebhookHistory, WebhookHistoryRetention } from './history-retention';
