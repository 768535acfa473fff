import { runWorkerProcess } from './run';

// Everything in one process: what `npm start` runs. Scale out with the single-purpose entry points.
runWorkerProcess('worker', { relay: true, email: true, letters: true });
