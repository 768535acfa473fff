import path from 'node:path';
import { SHARED_VIEWS_DIR, Views } from '../../platform/views';

/** This module's pages and fragments, inside the shared layout. */
export const publicViews = new Views([path.join(__dirname, 'pages'), SHARED_VIEWS_DIR]);
