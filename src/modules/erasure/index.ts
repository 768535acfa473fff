export { describeErasureApi, erasureRouter } from './erasure.routes';
export { erasureLinkEmailHandler } from './erasure.jobs';
export { eraseSupporter, eraseSupportersIn, type BatchErasureResult } from './erasure.service';
