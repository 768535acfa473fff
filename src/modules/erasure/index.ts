export { describeErasureApi, erasureRouter } from './erasure.routes';
export { erasureLinkEmailHandler } from './erasure.jobs';
export { eraseSupporter } from './erasure.service';
