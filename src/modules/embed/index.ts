export { campaignCors } from './cors';
export { embedRouter } from './embed.routes';
export { normaliseOrigin, partnerOf } from './embed-origins';
export { allowFramingBy } from './frame-policy';
