export { campaignsRouter, describeCampaignsApi } from './campaigns.routes';
export { getOpenCampaign, getPublicCampaign } from './campaigns.service';
export { adjustCounters, adjustRollup, consentWordingBelongsTo, findById as findCampaignById, sumCounters, type RollupKey } from './campaigns.repository';
export { seedKazakhstanCampaign } from './kazakhstan.seed';
