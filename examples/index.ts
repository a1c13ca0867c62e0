// The example workflows and activities this repo's Worker registers (`npm run dev`).
export { hello } from './hello';
import { helloActivities } from './hello';

export const activities = { ...helloActivities };
