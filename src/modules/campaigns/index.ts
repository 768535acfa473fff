export { campaignsRouter, describeCampaignsApi } from './campaigns.routes';
export { findPublicCampaignId, getOpenCampaign, getOpenCampaignForSigning, getPublicCampaign } from './campaigns.service';
export { findById as findCampaignById, sumCounters } from './campaigns.repository';
export { KAZAKHSTAN_CONSENT_WORDING_ID, KAZAKHSTAN_SLUG, kazakhstanDemands, kazakhstanSummary, seedKazakhstanCampaign } from './kazakhstan.seed';
export { kazakhstanTranslations, seedKazakhstanTranslations } from './kazakhstan-translations.seed';
export {
  findLocalisedTexts,
  localiseCampaign,
  localiseTitle,
  translationsSelect,
  type LocalisedCampaignTexts,
  type LocalisedDemand,
  type TranslatableCampaign,
} from './campaign-translations';
export { campaignsAdminRouter, describeCampaignsAdminApi } from './campaigns.admin.routes';
export { getCampaign as getCampaignForAdmin, listCampaigns as listCampaignsForAdmin, STATUS_TRANSITIONS, type AdminCampaign } from './campaigns.admin.service';
