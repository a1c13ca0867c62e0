// The example workflows and activities this repo's Worker registers (`npm run dev`); docs/patterns/ has a page each.
export { hello } from './hello';
export { orderSaga } from './order-saga';
export { shoppingCart } from './shopping-cart';
export { bankAccount } from './bank-account';
export { fanOut, fanOutChild } from './fan-out';
export { approval, approvalWebhook } from './approval';
export { batchWithHeartbeats } from './batch-with-heartbeats';
export { versionedGreeting } from './versioned-greeting';
import { approvalActivities } from './approval';
import { batchActivities } from './batch-with-heartbeats';
import { fanOutActivities } from './fan-out';
import { helloActivities } from './hello';
import { orderSagaActivities } from './order-saga';
import { shoppingCartActivities } from './shopping-cart';
import { versionedGreetingActivities } from './versioned-greeting';

export const activities = {
  ...helloActivities,
  ...orderSagaActivities,
  ...shoppingCartActivities,
  ...fanOutActivities,
  ...approvalActivities,
  ...batchActivities,
  ...versionedGreetingActivities,
};
