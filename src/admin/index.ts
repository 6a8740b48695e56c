export { AdminServer, type AdminHooks, type AdminOptions, type Readiness } from './server.ts';
export { adminRequest, type AdminReply } from './client.ts';
export { createAdminArea, validateAdmin, type AdminArea } from './area.ts';
