import type { Express } from 'express';
import type { Platform } from './platform/context';
import { createHttpApp } from './platform/http/app';
import { docsRouter } from './platform/http/docs';
import { healthRouter } from './platform/http/health';
import { buildOpenApiDocument } from './platform/http/openapi';
import { staticRouter } from './platform/http/static';
import { adminRouter, describeAdminApi } from './modules/admin';
import { campaignsRouter, describeCampaignsApi } from './modules/campaigns';
import { campaignsAdminRouter, describeCampaignsAdminApi } from './modules/campaigns';
import { dashboardRouter } from './modules/dashboard';
import { describeProofOfWorkApi, describeSupportersApi, notMeRouter, proofOfWorkRouter, supportersRouter, unsubscribeRouter } from './modules/supporters';
import { publicRouter, signingPagesRouter } from './modules/public';
import { campaignCors, embedRouter } from './modules/embed';
import { describeMetricsApi, metricsModule } from './modules/metrics';
import { describeErasureApi, erasureRouter } from './modules/erasure';
import { describeRetentionApi, retentionRouter } from './modules/retention';
import { deliverabilityRouter, describeDeliverabilityApi, describeProviderWebhooksApi, providerWebhooksRouter } from './modules/bounces';
import { describeMailingsApi, mailingsRouter } from './modules/mailings';
import { describeOsdiApi, osdiRouter } from './modules/osdi';
import { describeWebhooksApi, webhooksRouter } from './modules/webhooks';
import {
  approvalRouter,
  describeDigestOverridesApi,
  describeLettersApi,
  digestOverridesRouter,
  describeTargetsApi,
  describeTemplatesApi,
  letterStepRouter,
  lettersRouter,
  targetsRouter,
  templatesRouter,
} from './modules/letters';

/** The whole HTTP API in one app, as the server runs it and as tests drive it in-process. */
export function buildApi(platform: Platform): Express {
  const openApi = buildOpenApiDocument(
    [
      describeCampaignsApi,
      describeSupportersApi,
      describeProofOfWorkApi,
      describeTargetsApi,
      describeTemplatesApi,
      describeLettersApi,
      describeMetricsApi,
      describeAdminApi,
      describeCampaignsAdminApi,
      describeErasureApi,
      describeRetentionApi,
      describeOsdiApi,
      describeProviderWebhooksApi,
      describeMailingsApi,
      describeDigestOverridesApi,
      describeDeliverabilityApi,
      describeWebhooksApi,
    ],
    platform.config.PUBLIC_BASE_URL,
  );
  const metrics = metricsModule(platform);
  return createHttpApp(
    platform,
    [
      healthRouter(platform),
      proofOfWorkRouter(platform),
      staticRouter(),
      publicRouter(platform),
      signingPagesRouter(platform),
      embedRouter(platform),
      docsRouter(openApi),
      campaignsRouter(platform),
      supportersRouter(platform),
      notMeRouter(platform),
      unsubscribeRouter(platform),
      targetsRouter(platform),
      digestOverridesRouter(platform),
      templatesRouter(platform),
      lettersRouter(platform),
      letterStepRouter(platform),
      approvalRouter(platform),
      adminRouter(platform),
      campaignsAdminRouter(platform),
      mailingsRouter(platform),
      osdiRouter(platform),
      dashboardRouter(platform),
      erasureRouter(platform),
      retentionRouter(platform),
      providerWebhooksRouter(platform),
      deliverabilityRouter(platform),
      webhooksRouter(platform),
      metrics.router,
    ],
    [metrics.httpMetrics, campaignCors(platform)],
  );
}
