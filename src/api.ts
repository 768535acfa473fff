import type { Express } from 'express';
import type { Platform } from './platform/context';
import { createHttpApp } from './platform/http/app';
import { docsRouter } from './platform/http/docs';
import { healthRouter } from './platform/http/health';
import { buildOpenApiDocument } from './platform/http/openapi';
import { staticRouter } from './platform/http/static';
import { adminRouter, describeAdminApi } from './modules/admin';
import { campaignsAdminRouter, campaignsRouter, describeCampaignsAdminApi, describeCampaignsApi } from './modules/campaigns';
import { dashboardRouter } from './modules/dashboard';
import { describeErasureApi, erasureRouter } from './modules/erasure';
import { describeSupportersApi, supportersRouter } from './modules/supporters';
import { describeMetricsApi, metricsModule } from './modules/metrics';
import { describeLettersApi, describeTargetsApi, describeTemplatesApi, lettersRouter, targetsRouter, templatesRouter } from './modules/letters';

/** The whole HTTP API in one app, as the server runs it and as tests drive it in-process. */
export function buildApi(platform: Platform): Express {
  const openApi = buildOpenApiDocument([describeCampaignsApi, describeSupportersApi, describeTargetsApi, describeTemplatesApi, describeLettersApi, describeMetricsApi, describeAdminApi, describeCampaignsAdminApi, describeErasureApi], platform.config.PUBLIC_BASE_URL);
  const metrics = metricsModule(platform);
  return createHttpApp(platform, [
    healthRouter(platform),
    staticRouter(),
    docsRouter(openApi),
    campaignsRouter(platform),
    supportersRouter(platform),
    targetsRouter(platform),
    templatesRouter(platform),
    lettersRouter(platform),
    adminRouter(platform),
    campaignsAdminRouter(platform),
    dashboardRouter(platform),
    erasureRouter(platform),
    metrics.router,
  ], [metrics.httpMetrics]);
}
