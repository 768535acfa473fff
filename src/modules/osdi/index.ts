export { osdiRouter } from './osdi.routes';
export { describeOsdiApi } from './osdi.openapi';
