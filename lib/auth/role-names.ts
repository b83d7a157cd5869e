// Role names without any dependency, so client components can import them cheaply.
export const ROLES = ['viewer', 'labeler', 'admin'] as const;
export type Role = (typeof ROLES)[number];
