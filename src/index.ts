// This repo's own Worker. It will become createDuro({ workflows, activities })
// with the examples once the Durable Object host lands; for now it serves the API.
import { createApiApp } from './api/app';

const app = createApiApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
