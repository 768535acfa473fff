export { campaignsRouter, describeCampaignsApi } from './campaigns.routes';
export { getOpenCampaign, getPublicCampaign } from './campaigns.service';
export { adjustCounters, consentWordingBelongsTo, findById as findCampaignById, sumCounters } from './campaigns.repository';
export { seedKazakhstanCampaign } from './kazakhstan.seed';
