export { campaignCors } from './cors';
export { embedRouter } from './embed.routes';
export { normaliseOrigin } from './embed-origins';
export { allowFramingBy } from './frame-policy';
