import express, { type Router } from 'express';
import path from 'node:path';
import { onlyGetAndHead } from './method-not-allowed';

/** CSS and scripts are served by the API itself: no CDN, nothing that tells a third party who reads. */
export function staticRouter(): Router {
  const router = express.Router();
  router.use('/static', onlyGetAndHead, express.static(path.join(__dirname, 'static'), { maxAge: '1h', fallthrough: false, index: false }));
  // Browsers ask for it on every page; "nothing here, for a day" instead of a 404 in every log.
  router.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').status(204).end();
  });
  return router;
}
