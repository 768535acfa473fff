export {
  findActivePublic,
  findDeliverableAddresses,
  findTargetsForSelection,
  recordAddressFailure,
  recordAddressSuccess,
  type TargetSelection,
} from './targets.repository';
export { describeTargetsApi, targetsRouter } from './targets.routes';
export { iso2Params, UN_GROUPS } from './targets.schemas';
export { seedTargets } from './targets.seed';
export { exportTargetsCsv, importTargets } from './targets.service';
