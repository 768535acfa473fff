export { describeMailingsApi, mailingsRouter } from './mailings.routes';
export { sendMailingHandler } from './delivery';
export { sendMailingTestHandler } from './test-send';
export { MailingSweeper, sweepMailings } from './sweeper';
export { markRecipientBounced } from './mailings.repository';
export {
  cancelMailing,
  createMailing,
  getMailing,
  listMailings,
  pauseMailing,
  resumeMailing,
  sendMailing,
  sendTestMailing,
  type MailingView,
} from './mailings.service';
