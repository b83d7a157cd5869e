import { apiRoute } from '@/app/_server/guard';

export const GET = apiRoute({ role: 'viewer' }, async ({ actor }) => ({ user: actor }));
