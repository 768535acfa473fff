export { publicRouter } from './public.routes';
export { signingPagesRouter } from './signing.routes';
export { carriedFields, renderCampaignPage, renderNotFound, type CampaignPageInput } from './campaign-page';
export { campaignForPage, confirmationLinkDays, liveCampaigns } from './public.service';
export { formErrorView, letterOfferHtml, signedMessageHtml, signingFormHtml, type SigningFormOptions, type SigningFormValues } from './signing-form';
