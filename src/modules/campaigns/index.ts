export { campaignsRouter, describeCampaignsApi } from './campaigns.routes';
export { findPublicCampaignId, getOpenCampaign, getOpenCampaignForSigning, getPublicCampaign } from './campaigns.service';
export { findById as findCampaignById, sumCounters } from './campaigns.repository';
export { seedKazakhstanCampaign } from './kazakhstan.seed';
export { seedKazakhstanTranslations } from './kazakhstan-translations.seed';
export { findLocalisedTexts, localiseCampaign, localiseTitle, translationsSelect, type LocalisedCampaignTexts, type LocalisedDemand, type TranslatableCampaign } from './campaign-translations';
export { campaignsAdminRouter, describeCampaignsAdminApi } from './campaigns.admin.routes';
export { getCampaign as getCampaignForAdmin, listCampaigns as listCampaignsForAdmin, STATUS_TRANSITIONS, type AdminCampaign } from './campaigns.admin.service';
