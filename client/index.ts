// duro/client: talking to Duro from any runtime. (DuroClient arrives with the API issue.)
export { serveActivities, type ServeActivitiesOptions, type WaitUntil } from './serve-activities';
export { toNodeListener, type FetchHandler } from './node-adapter';
