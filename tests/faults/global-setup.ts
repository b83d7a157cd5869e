// The fault tests run real `npm start` processes: build the web app once, up front (skipped
// when the build is current), rather than inside the first test.
import { build, buildIsCurrent } from '../../jobs/build-stamp';
import { ROOT } from './app';

export default function setup() {
  if (buildIsCurrent(ROOT)) return;
  console.log('faults: building the web app first (only when its sources changed)…');
  build(ROOT, { ...process.env, NODE_ENV: 'production' });
}
