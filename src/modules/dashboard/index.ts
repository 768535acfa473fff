export { dashboardRouter } from './dashboard.routes';
export { QUEUE_BOARD_PATH } from './queue-board';
