export { publicRouter } from './public.routes';
export { carriedFields, renderCampaignPage, renderNotFound, type CampaignPageInput } from './campaign-page';
export { languageLinks, pageLocale, type LanguageLink } from './page-chrome';
export { campaignForPage, confirmationLinkDays, liveCampaigns } from './public.service';
export { formErrorView, letterOfferHtml, signedMessageHtml, signingFormHtml, type SigningFormOptions, type SigningFormValues } from './signing-form';
