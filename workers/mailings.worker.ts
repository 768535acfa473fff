import { runWorkerProcess } from './run';

// Sends campaign updates to supporters from the `mailings` queue (paced by MAILINGS_PER_MINUTE).
runWorkerProcess('mailings-worker', { relay: false, email: false, letters: false, mailings: true });
